"""A page that carries a form, answered with the status that says how its submission went.

Every form here that is accepted redirects (303/302), or shows its result with a template of
its own (an import's report, a token shown once). So a POST that ends on its form's page
again was refused: a field's validator, a wrong password, a file that could not be read, a
plan with bad rows. It is answered 422 (Unprocessable Content), with the same page and
messages, so that scripts, proxies' logs and the hostile-input tests see a refusal.
"""

from flask import render_template, request

UNPROCESSABLE = 422
CONFLICT = 409


def form_page(
    template: str, *, refused: bool | None = None, refused_with: int = UNPROCESSABLE, **context
) -> tuple[str, int]:
    """``template`` rendered with ``context``: 200 when the form is shown, ``refused_with``
    when it comes back refused. ``refused`` defaults to whether it was posted."""
    if refused is None:
        refused = request.method == "POST"
    return render_template(template, **context), (refused_with if refused else 200)
