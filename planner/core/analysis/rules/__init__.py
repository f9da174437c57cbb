"""The rules, one module per rule with its metadata YAML beside it.

:data:`REGISTRY` lists them in a fixed order: the contract's minimum set in
the order of ``shared/spec/analysis-v1.md``, then its v1.1 rules (hardening
facts of inventory v1.1) in table order, then the practitioner rules, then
the gaps (facts the inventory left unknown, reported as gaps, not passes).
"""

from __future__ import annotations

from importlib import import_module

from .rule import Hit, Rule

_MODULES = (
    # analysis-v1.md, in table order
    "zone_mix_host",
    "exposed_coresidency",
    "segment_multi_zone",
    "vm_bridges_zones",
    "unfiltered_zone_path",
    "internet_vm_in_internal_zone",
    "mgmt_network_shared",
    "mgmt_unencrypted",
    "datastore_multi_zone",
    "datastore_unencrypted_sensitive",
    "host_cpu_overcommit",
    "host_memory_overcommit",
    "vm_vcpu_exceeds_cores",
    "anti_affinity_violation",
    "hypervisor_outdated",
    "hosted_hypervisor_server",
    "vm_clipboard_sharing",
    "vm_unused_devices",
    "host_unused_hardware",
    "host_no_time_sync",
    "host_no_remote_logging",
    "vm_unclassified",
    # analysis-v1.md, v1.1 table order
    "guest_on_infra_network",
    "migration_unencrypted",
    "vswitch_insecure_policy",
    "host_shell_enabled",
    "page_sharing_mixed_zones",
    "hypervisor_end_of_support",
    "host_single_uplink",
    "vm_snapshot_old",
    "vm_passthrough_device",
    "vm_no_secure_boot",
    # practitioner rules the inventory supports
    "vm_no_nic_in_own_zone",
    "datastore_dedicated_zone_mix",
    "host_no_lockdown",
    # gaps: absent = unknown
    "mgmt_network_unknown",
    "mgmt_encryption_unknown",
    "host_settings_unknown",
    "hypervisor_patch_unknown",
    "vm_settings_unknown",
    "datastore_encryption_unknown",
    "network_zone_unknown",
)

#: Every rule, in the order the engine runs them.
REGISTRY: tuple[Rule, ...] = tuple(import_module(f"{__name__}.{m}").RULE for m in _MODULES)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in REGISTRY}
#: The ids of analysis-v1.md's minimum set.
SPEC_RULE_IDS: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.kind == "spec")
#: The ids of analysis-v1.md's v1.1 rules (they read the optional hardening facts of inventory v1.1).
SPEC_V1_1_RULE_IDS: tuple[str, ...] = tuple(r.id for r in REGISTRY if r.kind == "spec-v1.1")

__all__ = ["REGISTRY", "RULES_BY_ID", "SPEC_RULE_IDS", "SPEC_V1_1_RULE_IDS", "Hit", "Rule"]
