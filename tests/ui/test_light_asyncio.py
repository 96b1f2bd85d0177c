"""The app's asyncio loop comes without OpenSSL (issue 14: ~5 MB idle), and TLS through
asyncio still works once something has loaded ssl."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_startup_imports import fresh, launched_on_x
from tests.ui import test_global_hotkey

x_display = test_global_hotkey.x_display  # the fixture: a private Xvfb
OPENSSL_LOADERS = ("ssl", "_ssl", "_hashlib", "hashlib")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (key, certificate)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is not installed (packaging/system-deps.sh test)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return key, cert


def test_asyncio_loads_without_openssl_and_gets_tls_when_ssl_comes(tmp_path, certificate):
    key, cert = certificate
    code = f"""
    import threading
    from captioner.ui.light_asyncio import import_asyncio

    asyncio = import_asyncio()
    found["openssl_after_asyncio"] = [m for m in {OPENSSL_LOADERS!r} if m in sys.modules]

    async def echo_over_tls():
        import ssl

        server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_side.load_cert_chain({str(cert)!r}, {str(key)!r})
        client_side = ssl.create_default_context(cafile={str(cert)!r})

        async def echo(reader, writer):
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=server_side)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_side, server_hostname="localhost"
        )
        writer.write(b"hello over tls\\n")
        line = await reader.readline()
        found["cipher"] = bool(writer.get_extra_info("cipher"))
        writer.close()
        server.close()
        return line.decode().strip()

    # ssl comes later from another thread, as with the cloud SDK's preload.
    importer = threading.Thread(target=lambda: __import__("ssl"))
    importer.start()
    importer.join()
    found["echo"] = asyncio.run(echo_over_tls())
    """
    found = fresh(code, tmp_path)
    assert found["openssl_after_asyncio"] == []
    assert found["echo"] == "hello over tls" and found["cipher"] is True


def test_ssl_imported_before_is_simply_asyncios(tmp_path):
    found = fresh(
        """
        import ssl
        from captioner.ui.light_asyncio import import_asyncio

        asyncio = import_asyncio()
        import asyncio.selector_events, asyncio.sslproto
        found["same"] = asyncio.sslproto.ssl is ssl and asyncio.selector_events.ssl is ssl
        """,
        tmp_path,
    )
    assert found["same"] is True


def test_the_app_idles_with_its_loop_and_no_openssl(tmp_path, x_display):
    """The offline engine chosen, the window up, the inputs listed through the loop."""
    code = """
    import os
    from captioner.__main__ import main
    from captioner.ui.input_picker import InputPicker

    fill = InputPicker._fill

    def filling(picker, generation, inventory):
        fill(picker, generation, inventory)
        found["loop"] = picker._loop is not None and picker._loop.is_running()
        found["openssl"] = [m for m in OPENSSL if m in sys.modules]
        print(json.dumps(found), flush=True)
        os._exit(0)

    InputPicker._fill = filling
    """
    found = launched_on_x(code.replace("OPENSSL", repr(OPENSSL_LOADERS)), tmp_path, x_display)
    assert found["loop"] is True
    assert found["openssl"] == []
