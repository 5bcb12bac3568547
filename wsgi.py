"""What gunicorn serves: ``gunicorn wsgi:app``."""

from pakta import create_app
from pakta.serving import freeze_startup_objects

app = create_app()
freeze_startup_objects()
