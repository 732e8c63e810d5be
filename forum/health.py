from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text


@get("/health", tags=["health"])
async def health(state: State) -> Response[dict[str, str]]:
    try:
        async with state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        return Response({"status": "degraded", "database": "unreachable"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})
