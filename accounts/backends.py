"""How a logged-in user is loaded on every request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS

from accounts.compiled_query import CompiledQuery
from accounts.models import User

_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
_USER_BY_PK = CompiledQuery(
    lambda pk: (
        User._default_manager.filter(pk=pk).order_by().values_list(*_USER_FIELDS)
    ),
    ["pk"],
)


class UserBackend(ModelBackend):
    """Django's ModelBackend, with the session's user read through compiled SQL.

    Every logged-in request loads its user; compiling that query cost about as much
    as the rest of a wizard page's own database work.
    """

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        rows = _USER_BY_PK.rows(pk=int(user_id))
        if not rows:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, rows[0])
        return user if self.user_can_authenticate(user) else None
