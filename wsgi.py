"""What gunicorn serves: ``gunicorn wsgi:app``."""

from pakta import create_app

app = create_app()
