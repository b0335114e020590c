// The person's network access token in this browser tab, and what it says about them.
//
// The token arrives in the URL fragment (#access_token=...: a fragment never reaches a server,
// a log or a Referer header) or is pasted. It is kept in sessionStorage: this tab only, gone
// when the tab closes, never in a cookie (so no other site can make the browser send it).
// What the claims say is for the page's own wording only; the figure routes verify the token.

const KEY = "mentornet.access_token";

/** Take a token handed over in the URL fragment, and wipe it from the address bar. */
export function takeTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("access_token");
  if (token) {
    remember(token);
    // Not in the history, the address bar, or a bookmark from here on.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}

/** Keep a token for this tab; returns false if it is not a token at all. */
export function remember(token) {
  const cleaned = token.trim();
  if (claimsOf(cleaned) === null) {
    return false;
  }
  window.sessionStorage.setItem(KEY, cleaned);
  return true;
}

/** The token, or null when there is none or it has expired. */
export function currentToken() {
  const token = window.sessionStorage.getItem(KEY);
  if (token === null) {
    return null;
  }
  const claims = claimsOf(token);
  if (claims === null || (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now())) {
    forget();
    return null;
  }
  return token;
}

export function forget() {
  window.sessionStorage.removeItem(KEY);
}

/** The token's claims, unverified (the server verifies), or null if it is no JWT. */
export function claimsOf(token) {
  const parts = token.split(".");
  if (parts.length !== 3) {
    return null;
  }
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json);
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}
