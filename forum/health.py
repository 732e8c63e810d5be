from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text


@get("/health", tags=["health"], sync_to_thread=False)
async def health(state: State) -> Response[dict[str, str]]:
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        return Response({"status": "degraded", "database": "unreachable"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})
