// Keeps a part of the page up to date while the server is still working on
// it (a report being generated): every element with data-refresh="<ms>" is
// fetched again from this page's URL and replaced by its new version, until
// the new version no longer asks for it. Without JavaScript the page offers a
// refresh link instead. Screen readers hear the change through the part's
// own role="status" line.
async function refresh(element) {
  const delay = Number(element.dataset.refresh) || 3000;
  await new Promise((resolve) => setTimeout(resolve, delay));
  let fresh;
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    fresh = page.getElementById(element.id);
  } catch {
    fresh = null; // offline or signed out: try again later; the refresh link still works
  }
  if (!fresh) return refresh(element);
  const focused = element.contains(document.activeElement) ? document.activeElement.id : null;
  element.replaceWith(fresh);
  if (focused) document.getElementById(focused)?.focus();
  if (fresh.dataset.refresh) return refresh(fresh);
}

for (const element of document.querySelectorAll("[data-refresh][id]")) refresh(element);
