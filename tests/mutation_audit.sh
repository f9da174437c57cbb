#!/bin/bash
# The mutations of the audit that opened issue 10 (docs/mutation-testing.md), applied one at a time
# to this checkout, each run against tests/analysis and tests/questionnaire, then undone.
# Prints "killed" or "SURVIVED" for each. Run from the repository root: bash tests/mutation_audit.sh
set -u
cd "$(dirname "$0")/.." || exit 1
backup=$(mktemp -d)
trap 'rm -rf "$backup"' EXIT
run() {  # name, file, python replacement script
  name="$1"; file="$2"; shift 2
  cp "$file" "$backup/one"
  python3 -c "$@" "$file"
  if git diff --quiet -- "$file"; then echo "$name: NOT APPLIED"; cp "$backup/one" "$file"; return; fi
  if .venv/bin/python -m pytest -q -x -p no:randomly -p no:cacheprovider --hypothesis-profile=mutation tests/analysis tests/questionnaire >/dev/null 2>&1; then echo "$name: SURVIVED"; else echo "$name: killed"; fi
  cp "$backup/one" "$file"
}
R='import sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(s.replace(A,B,1))'
run "MGMT-UNENCRYPTED base likelihood moderate->high (YAML)" planner/core/analysis/rules/mgmt_unencrypted.yaml "A='  base: moderate'; B='  base: high'; $R"
run "HOST-CPU-OVERCOMMIT impact objective availability->integrity (YAML)" planner/core/analysis/rules/host_cpu_overcommit.yaml "A='objective: availability'; B='objective: integrity'; $R"
run "trust-gap factor from a gap of 1 instead of 2" planner/core/analysis/scoring.py "A='if gap >= 2:'; B='if gap >= 1:'; $R"
run "CPU overcommit default ceiling 4 -> 5" planner/core/inventory/schema.py "A='\"max_cpu_overcommit\": 4.0'; B='\"max_cpu_overcommit\": 5.0'; $R"
run "a 0 GiB host without VMs overcommitted" planner/core/analysis/rules/host_memory_overcommit.py "A='else placed > 0'; B='else placed >= 0'; $R"
run "versions compared without dropping trailing zeros" planner/core/analysis/rules/hypervisor_outdated.py "A='    while parts and parts[-1] == 0:\n        parts.pop()\n'; B=''; $R"
run "mitigation cap 1 -> 2 levels" planner/core/analysis/method.py "A='MAX_MITIGATION_STEPS = 1'; B='MAX_MITIGATION_STEPS = 2'; $R"
run "ZONE-MIX-HOST impact objective confidentiality->any (YAML)" planner/core/analysis/rules/zone_mix_host.yaml "A='objective: confidentiality'; B='objective: any'; $R"
run "DATASTORE-MULTI-ZONE base likelihood low->moderate (YAML)" planner/core/analysis/rules/datastore_multi_zone.yaml "A='  base: low'; B='  base: moderate'; $R"
# A mitigation applied to every rule instead of its own: both places that pick a rule's mitigations.
cp planner/core/analysis/engine.py "$backup/engine"; cp planner/core/analysis/scoring.py "$backup/scoring"
python3 - <<'PY'
for p, a in (("planner/core/analysis/engine.py", "    mine = [m for m in mitigations if m.rule == rule.id]\n"),
             ("planner/core/analysis/scoring.py", "        if m.rule != rule.id:\n            continue\n")):
    s = open(p).read()
    if a in s:
        s = s.replace(a, "    mine = list(mitigations)\n" if "mine" in a else "", 1)
        open(p, "w").write(s)
PY
if .venv/bin/python -m pytest -q -x -p no:randomly -p no:cacheprovider --hypothesis-profile=mutation tests/analysis tests/questionnaire >/dev/null 2>&1; then echo "a mitigation applied to every rule: SURVIVED"; else echo "a mitigation applied to every rule: killed"; fi
cp "$backup/engine" planner/core/analysis/engine.py; cp "$backup/scoring" planner/core/analysis/scoring.py
