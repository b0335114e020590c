"""The sign-in page: a plain HTML form that carries the authorization request along."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

# The request's own parameters travel as hidden fields; these never do.
CREDENTIAL_FIELDS = frozenset({"username", "password"})

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; background: #f3f5f8; margin: 0; }}
  main {{ max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem;
         border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }}
  h1 {{ font-size: 1.3rem; margin-top: 0; }}
  label {{ display: block; margin: 1rem 0 .3rem; }}
  input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box;
         padding: .5rem; font-size: 1rem; }}
  button {{ margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; }}
  .error {{ color: #a40000; background: #fde8e8; padding: .5rem; border-radius: 4px; }}
  .client {{ color: #555; font-size: .9rem; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p class="client">Signing in to <strong>{client_id}</strong></p>
{error}
<form method="post" action="{action}">
{hidden}
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{username}"
       autocomplete="username" required{focus_username}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password"
       required{focus_password}>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""

_ERROR_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>This sign-in request cannot be completed: <code>{error}</code></p>
<p>{description}</p>
</body>
</html>
"""


def login_page(
    *,
    title: str,
    action: str,
    request_params: Iterable[tuple[str, str]],
    username: str = "",
    error: str | None = None,
) -> str:
    """The form, with every authorization request parameter as a hidden input."""
    params = [(k, v) for k, v in request_params if k not in CREDENTIAL_FIELDS]
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params
    )
    client_id = next((v for k, v in params if k == "client_id"), "")
    return _PAGE.format(
        title=escape(title),
        action=escape(action),
        hidden=hidden,
        client_id=escape(client_id),
        username=escape(username),
        # The empty field gets the focus: the username first, the password after a refusal.
        focus_username="" if username else " autofocus",
        focus_password=" autofocus" if username else "",
        error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
    )


def error_page(*, title: str, error: str, description: str) -> str:
    """Shown when the request is too broken to send back to the relying party."""
    return _ERROR_PAGE.format(
        title=escape(title), error=escape(error), description=escape(description)
    )
