from tests.staff.conftest import staff  # noqa: F401  (the signed-in staff fixture)
