#!/usr/bin/python3
"""webbrowser.py -- the web front end in a real browser (Debian's
chromium through chromium-driver and python3-selenium, headless), for
t_web_browser.sh.  Prints TAP lines without numbers or plan ("ok - NAME",
"not ok - NAME"); the shell test numbers and counts them.

  webbrowser.py BASE_URL SHOTS_DIR LOADER CONFIG

A user types a listed, an unlisted and an invalid address into the front
page; then asks for a retest of the listed one (the request must show in
"LOADER -c CONFIG retests --json"); sends the same form a second time
(refused: a request is open, made when); and, after a test answered the
request, once more (refused: possible from a date).  Each page's
screenshot goes to SHOTS_DIR/NAME.png.
"""
import json
import os
import re
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, shots, loader, config = sys.argv[1:5]
failed = 0


def ok(cond, name):
    global failed
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    failed += 0 if cond else 1


def shot(drv, name):
    path = os.path.join(shots, "%s.png" % name)
    drv.save_screenshot(path)
    ok(os.path.getsize(path) > 1000, "screenshot %s" % os.path.basename(path))


opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=420,1400",
          "--user-data-dir=" + os.path.join(shots, "profile")):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
drv.set_page_load_timeout(60)


def body():
    return drv.find_element(By.TAG_NAME, "body").text


def lookup(ip):
    """Type ip into the front page's form and send it, as a user does."""
    drv.get(base + "/")
    box = drv.find_element(By.ID, "ip")
    box.clear()
    box.send_keys(ip)
    click(drv.find_element(By.CSS_SELECTOR, "form[action='/lookup'] button"))


def click(button):
    """Click and wait for the next page to replace this one."""
    old = drv.find_element(By.TAG_NAME, "html")
    button.click()

    def replaced(_):
        # Stale once the page is replaced; chromedriver says so with a
        # StaleElementReferenceException or, in newer releases, another
        # WebDriverException ("Node ... does not belong to the document").
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(drv, 60).until(replaced)


def submit_retest(contact, note):
    drv.find_element(By.ID, "contact-0").send_keys(contact)
    drv.find_element(By.ID, "note-0").send_keys(note)
    click(drv.find_element(By.CSS_SELECTOR, "form[action='/retest'] button"))


def load(cmd, *args):
    return subprocess.run([loader, "-c", config, cmd] + list(args), check=True,
                          capture_output=True, text=True).stdout


DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

try:
    lookup("192.0.2.10")
    t = body()
    ok("192.0.2.10 is listed in relays.example" in t, "a listed address: the page says listed")
    ok("relay confirmed by test" in t, "and shows the reason")
    ok("C: RCPT TO:<relaytest@example.com>" in t and "S: 250 2.1.5 ok" in t,
       "and the evidence lines")
    ok(re.search(r"Forms accepted\s+2\b", t) is not None, "and the forms accepted")
    label = drv.find_element(By.CSS_SELECTOR, "label[for='contact-0']")
    ok(label.text.startswith("Your mail address"), "the form's fields have labels")
    shot(drv, "listed")
    lookup("192.0.2.99")
    ok("192.0.2.99 is not listed in relays.example" in body(), "an unlisted address: not listed")
    shot(drv, "unlisted")
    lookup("no.such.address")
    t = body()
    ok("'no.such.address' is not an IPv4 or IPv6 address" in t, "an invalid address: the error")
    shot(drv, "invalid")

    # Three tabs with the form: one to send, two to send again later.
    tabs = []
    for k in range(3):
        if k:
            drv.switch_to.new_window("tab")
        lookup("192.0.2.10")
        tabs.append(drv.current_window_handle)
    drv.switch_to.window(tabs[0])
    submit_retest("postmaster@victim.example", "fixed the relay")
    t = body()
    ok("Retest requested" in t and "is queued" in t, "the retest form: the request is taken")
    shot(drv, "retest")
    rq = json.loads(load("retests", "--json"))["retests"]
    ok(len(rq) == 1 and rq[0]["prefix"] == "192.0.2.10" and
       rq[0]["contact"] == "postmaster@victim.example" and rq[0]["open"],
       "the request is in dnsbl-loader retests --json")

    drv.switch_to.window(tabs[1])
    submit_retest("postmaster@victim.example", "again")
    t = body()
    ok("Retest refused" in t and "already has an open retest request (#1, made" in t
       and DATE.search(t) is not None,
       "a second submission is refused: the open request and its date")
    shot(drv, "refused-open")

    # A test answers the request (still open: stays listed).
    with open(sys.argv[5], "w") as f:
        f.write("192.0.2.10 open %s\n" % time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    load("import", "--format", "lines", sys.argv[5])
    drv.switch_to.window(tabs[2])
    submit_retest("postmaster@victim.example", "once more")
    t = body()
    m = re.search(r"A request is possible from (\S+)", t)
    ok("Retest refused" in t and m is not None and DATE.fullmatch(m.group(1)) is not None,
       "after a test answered it, a new one is refused and shows the date from which "
       "a request is possible (%s)" % (m.group(1) if m else "none"))
    shot(drv, "refused-until")
    lookup("192.0.2.10")
    ok("A retest request is possible from" in body(), "the lookup page says so too")
    shot(drv, "listed-after-retest")
finally:
    drv.quit()
sys.exit(1 if failed else 0)
