"""The WSGI application gunicorn serves (`gunicorn -c config/gunicorn.py config.wsgi`).

Importing this module builds the application and does nothing else; process tuning such
as the garbage collector's lives in config/gunicorn.py.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
