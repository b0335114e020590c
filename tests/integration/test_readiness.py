"""A service is ready only while its database works, and becomes ready again when it is back."""

from __future__ import annotations

import asyncio

from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.tcp_proxy import TcpProxy
from tests.servers import mongo_url


async def test_readiness_follows_the_database(settings: ServiceSettings) -> None:
    host_port = mongo_url().split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    settings = settings.model_copy(
        update={"mongo_url": f"mongodb://127.0.0.1:{proxy.port}/?serverSelectionTimeoutMS=1000"}
    )
    runtime = ServiceRuntime("evaluation", settings, consumes_from=["registry"])
    await runtime.start()
    try:
        assert await runtime.ready() == {"mongodb": True, "kafka": True, "consumer": True}
        await proxy.cut()
        checks = await runtime.ready()
        assert checks["mongodb"] is False
        assert checks["kafka"] is True
        await proxy.start()
        async with asyncio.timeout(20):
            while not (await runtime.ready())["mongodb"]:
                await asyncio.sleep(0.2)
    finally:
        await runtime.stop()
        await proxy.cut()
