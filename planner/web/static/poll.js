// A region marked data-poll (a job still queued or running) refreshes itself:
// every two seconds the page is fetched again and the region replaced by the
// new one, until the new one is no longer marked. Without this file, the
// region's refresh link does the same.
const region = document.querySelector("[data-poll]");

async function poll() {
  let response;
  try {
    response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch {
    setTimeout(poll, 5000);
    return;
  }
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById(region.id);
  if (!fresh) return;
  region.replaceChildren(...fresh.childNodes);
  if (fresh.hasAttribute("data-poll")) {
    setTimeout(poll, 2000);
  } else {
    region.removeAttribute("data-poll");
  }
}

if (region && region.id) setTimeout(poll, 2000);
