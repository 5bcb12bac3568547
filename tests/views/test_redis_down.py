"""With its Redis down the app keeps signing and counting: nothing answers 500.

Rate limits fall back to memory (``tests/test_security.py``), certificate jobs to a thread
of the process (``tests/test_jobs.py``), and the apel's live count is read from the database.
"""

from pakta import jobs
from pakta.services import apel
from tests.conftest import AuthActions
from tests.views.signing_flows import sign_through_link


def test_signing_and_the_apel_count_work_while_redis_is_down(
    limited_app,
    session,
    units,
    campaign,
    operator_user,
    employee,
    token,
    closed_port,
    monkeypatch,
    clock,
):
    # The job's own fallback is tested in test_jobs; here the done page only asks for it.
    asked = []
    monkeypatch.setattr(jobs, "enqueue_certificate", lambda app, signature_id: asked.append(1))
    down = f"redis://127.0.0.1:{closed_port}/4"
    client = limited_app(down, REDIS_URL=down).test_client()
    made, _ = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=operator_user
    )
    session.commit()

    assert sign_through_link(client, token, employee.name) == [200, 303, 200]
    assert asked

    AuthActions(client, clock).login(email=operator_user.email)
    status = client.get(f"/apel/{made.public_id}/status.json")
    assert status.status_code == 200
    assert status.json["open"] is True
    limited_app()  # the shared limiter back on a storage that answers
