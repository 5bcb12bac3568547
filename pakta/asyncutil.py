"""Calling libraries that run their own asyncio loop (pyHanko) from synchronous code."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def call_without_loop(function: Callable[..., T], *args, **kwargs) -> T:
    """Run ``function`` where no event loop is running: here, or in a worker thread.

    pyHanko's synchronous API calls ``asyncio.run``, which refuses to run inside a
    thread that already has a running loop (an async server, a browser-test driver).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args, **kwargs).result()
