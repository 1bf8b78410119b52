"""Debian's headless Chromium as the tests and benchmarks drive it: no network (the flags stop
its own background connections, which this machine's closed network refuses), no first-run
prompts, and a profile of its own."""

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium(profile, width=1280, height=720):
    """A Chromium window of `width` x `height` whose profile lives in the folder `profile`."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + [f"--window-size={width},{height}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
