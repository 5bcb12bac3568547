"""pip-audit over constraints.txt's exact pins, for `make audit` (and so `make test`).

Fails on any known vulnerability, and on a pin that could not be audited while others
could. When no pin at all could be audited, the vulnerability data was out of reach (a
registry mirror without PyPI's per-release JSON, no route to OSV): that is said plainly and
does not fail the tests, the way a test that needs an absent server is skipped.
"""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main(requirements: str = "constraints.txt") -> int:
    run = subprocess.run(  # noqa: S603 (our own venv's pip-audit, fixed arguments)
        [
            str(BIN / "pip-audit"),
            "--disable-pip",
            "--no-deps",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--requirement",
            requirements,
        ],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(run.stderr or run.stdout, file=sys.stderr)
        print("pip-audit: no report (see above)", file=sys.stderr)
        return 1
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} pinned packages have known vulnerabilities")
        return 1
    if skipped and len(skipped) == len(dependencies):
        print(
            f"pip-audit: SKIPPED, no vulnerability data reachable "
            f"(all {len(dependencies)} pins answered: {skipped[0]['skip_reason']})"
        )
        return 0
    for dependency in skipped:
        print(f"pip-audit: not audited: {dependency['skip_reason']}")
    if skipped:
        return 1
    print(f"pip-audit: {len(dependencies)} pins audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
