"""A minimal Django project around django-helpdesk, for ``bench/peer.py`` only.

It runs in its own virtualenv (``bench/.peer/venv``), where django-helpdesk is installed from
the package registry; nothing of django-helpdesk is kept in this repository, and nothing here
imports Sportello.
"""
