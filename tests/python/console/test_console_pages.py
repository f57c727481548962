"""Every page of the console in Debian's chromium, against a real catalog: what a
person sees, searching and paging, every action, and a quality changing live
while another process works the queue. Each page is saved as a screenshot
(conftest.py: VQDB_CONSOLE_SCREENSHOTS keeps them)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import vqdb
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

HOSTILE_TITLE = '<script>alert("title")</script> Cats & "friends"'
HOSTILE_ERROR = '<img src=x onerror=alert("error")> exit 1'


def seed(url):
    """A video with a rung in each state, and a failure whose message is HTML."""
    with vqdb.Catalog(url, maxconn=1) as db:
        video = db.create_video(title=HOSTILE_TITLE, duration=12.5, url="s3://in/cats.mp4")
        q = {
            label: db.create_video_quality(video.id, label, f"{label}.mp4", max_attempts=1)
            for label in ("1080p", "720p", "480p", "360p")
        }
        (lease,) = db.claim_qualities("worker-a", qualities=["1080p"])
        db.fail_quality(lease.id, lease.lease_token, "ffmpeg_failed", HOSTILE_ERROR)
        (lease,) = db.claim_qualities("worker-b", qualities=["720p"])
        db.heartbeat_quality(lease.id, lease.lease_token, 40)
        (lease,) = db.claim_qualities("worker-c", qualities=["480p"])
        db.complete_quality(
            lease.id, lease.lease_token, resolution_width=854, resolution_height=480,
            bitrate=1200, codec="h264", fps=25,
        )  # fmt: skip
        db.create_video(title="Trains at dusk")
        return video, q


def wait(browser, condition, timeout=10):
    # a live page renders itself again when the feed says so: an element found a
    # moment ago may be gone, so each step looks again until it holds
    return WebDriverWait(
        browser,
        timeout,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition)


def text_of(browser, css):
    return wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, css).text)


def navigate(browser, element):
    """Click what leads to another page, and wait until that page has replaced this one."""
    element.click()
    wait(browser, expected_conditions.staleness_of(element))


def click(browser, quality, link):
    wait(browser, lambda b: row(b, quality).find_element(By.LINK_TEXT, link).click() or True)


def row(browser, quality):
    return browser.find_element(By.CSS_SELECTOR, f'tr[data-quality-id="{quality.id}"]')


def no_script_ran(browser):
    try:
        alert = browser.switch_to.alert
    except NoAlertPresentException:
        return True
    raise AssertionError(f"a script from the catalog ran: alert {alert.text!r}")


def severe_console_errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_every_page_shows_the_catalog_as_text(db_url, start_console, browser, screenshots):
    video, q = seed(db_url)
    console = start_console(db_url)

    browser.get(console.url + "/")
    assert text_of(browser, "h1") == "Overview"
    wait(browser, lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
    cards = text_of(browser, ".cards")
    assert "failed 1" in cards and "ready 1" in cards and "processing 1" in cards
    assert "ffmpeg_failed 1" in cards  # failures of the last hour by code
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.ready")
    assert len(bars) == 60 and float(bars[-1].get_attribute("height")) > 0
    assert "1080p" in text_of(browser, "#queue-stats")
    browser.save_screenshot(str(screenshots / "overview.png"))

    browser.get(console.url + "/videos")
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#videos td a")]
    assert titles == ["Trains at dusk", HOSTILE_TITLE]  # newest first, the title as text
    browser.save_screenshot(str(screenshots / "videos.png"))

    navigate(browser, browser.find_element(By.LINK_TEXT, HOSTILE_TITLE))
    assert text_of(browser, "h1") == HOSTILE_TITLE
    ladder = [r.text.split()[0] for r in browser.find_elements(By.CSS_SELECTOR, "#ladder tbody tr")]
    assert ladder == ["1080p", "720p", "480p", "360p"]
    assert row(browser, q["1080p"]).get_attribute("data-status") == "failed"
    assert HOSTILE_ERROR in row(browser, q["1080p"]).text  # the error message, as text
    assert "40%" in row(browser, q["720p"]).text and "worker-b" in row(browser, q["720p"]).text
    assert "854×480" in row(browser, q["480p"]).text
    assert "read-only" in text_of(browser, "header")
    assert not browser.find_elements(By.CSS_SELECTOR, ".actions, a.button")  # no action shown
    attempts = text_of(browser, "details[open]")  # the failed rung's history is open
    assert "worker-a" in attempts and "failed" in attempts and HOSTILE_ERROR in attempts
    changes = text_of(browser, "#changes")
    assert "quality_status" in changes and "video_created" in changes
    browser.save_screenshot(str(screenshots / "video.png"))

    browser.get(console.url + "/queue")
    running = text_of(browser, "#running")
    assert HOSTILE_TITLE in running and "720p" in running and "worker-b" in running
    assert "1080p ffmpeg_failed 1" in text_of(browser, "#failed")
    browser.save_screenshot(str(screenshots / "queue.png"))

    assert no_script_ran(browser)
    assert severe_console_errors(browser) == []


def test_search_filter_and_pages_through_every_video(db_url, start_console, browser):
    with vqdb.Catalog(db_url, maxconn=1) as db:
        for i in range(120):
            db.create_video(title=f"{'Cats' if i % 2 else 'Dogs'} {i:03d}")
        db.update_video_status(db.list_videos(title_prefix="Dogs 000")[0].id, "published")
    console = start_console(db_url)

    browser.get(console.url + "/videos")
    seen = []
    while True:
        seen += [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#videos td a")]
        following = browser.find_elements(By.ID, "next")
        if not following:
            break
        navigate(browser, following[0])
    assert len(seen) == 120 and len(set(seen)) == 120  # every video once, over 3 pages

    search = browser.find_element(By.NAME, "q")
    search.clear()
    search.send_keys("cats 11")  # a prefix, whatever the case
    navigate(browser, browser.find_element(By.CSS_SELECTOR, ".filters button"))
    found = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#videos td a")]
    assert found == ["Cats 119", "Cats 117", "Cats 115", "Cats 113", "Cats 111"]

    browser.get(console.url + "/videos?status=published")
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#videos td a")] == ["Dogs 000"]
    browser.get(console.url + "/videos?status=gone")
    assert "p_status" in text_of(browser, ".error")  # the API's refusal, shown


def answer(browser, outcome=".message"):
    """Confirm on the confirmation page; the text of what the next page says of it."""
    navigate(browser, wait(browser, lambda b: b.find_element(By.ID, "confirm")))
    return text_of(browser, outcome)


def confirm(browser, console, link_text):
    browser.find_element(By.LINK_TEXT, link_text).click()
    question = text_of(browser, ".question")
    return question, answer(browser)


def test_every_action_through_its_confirmation(db_url, start_console, browser, screenshots):
    video, q = seed(db_url)
    console = start_console(db_url, "--actions")
    page = f"{console.url}/videos/{video.id}"
    db = vqdb.Catalog(db_url, maxconn=1)
    status = lambda label: {r.quality: r for r in db.list_qualities_ordered(video.id)}[label]  # noqa: E731

    browser.get(page)
    assert "actions on" in text_of(browser, "header")
    question, done = confirm(browser, console, "Make default")
    assert "480p" in question and HOSTILE_TITLE in question
    assert "is the default now" in done
    assert status("480p").is_default

    click(browser, q["1080p"], "Retry")
    browser.save_screenshot(str(screenshots / "confirm.png"))
    assert "pending again" in answer(browser)
    assert (status("1080p").status, status("1080p").attempts) == ("pending", 0)

    click(browser, q["720p"], "Release lease")
    assert "lease released" in answer(browser)
    assert status("720p").status == "pending" and status("720p").lease_token is None

    click(browser, q["360p"], "Restart")
    assert "restarted" in answer(browser)

    # refused by the API: the quality became ready between the question and the answer
    click(browser, q["360p"], "Restart")
    text_of(browser, ".question")  # the question is on screen: now the quality changes
    (lease,) = db.claim_qualities("w", qualities=["360p"])
    db.complete_quality(lease.id, lease.lease_token)
    refusal = answer(browser, ".error")
    assert "Refused" in refusal and "from ready to pending" in refusal
    assert status("360p").status == "ready"

    # a class of failures from the queue page, in one call
    with vqdb.Catalog(db_url, maxconn=1) as other:
        for i in range(3):
            v = other.create_video(title=f"broken {i}")
            other.create_video_quality(v.id, "720p", "x.mp4", max_attempts=1)
            (lease,) = other.claim_qualities("w", qualities=["720p"])
            other.fail_quality(lease.id, lease.lease_token, "ffmpeg_input", "no video stream")
    browser.get(console.url + "/queue")

    def retry_all(b) -> bool:  # looked up again when a live render replaced the row
        failed_row = next((r for r in b.find_elements(By.CSS_SELECTOR, "#failed tbody tr")
                           if "ffmpeg_input" in r.text), None)  # fmt: skip
        if failed_row is None:
            return False
        failed_row.find_element(By.LINK_TEXT, "Retry all").click()
        return True

    wait(browser, retry_all)
    assert "ffmpeg_input" in text_of(browser, ".question")
    assert "3 failed qualities pending again" in answer(browser)
    assert db.failed_quality_counts() == []

    browser.get(page)
    _, done = confirm(browser, console, "Delete video")
    assert "deleted" in done and browser.current_url.endswith("/videos")
    assert db.get_video(video.id) is None
    assert no_script_ran(browser)
    db.close()


WORKER = """
import sys, time, vqdb
with vqdb.Catalog(sys.argv[1], maxconn=1) as db:
    (lease,) = db.claim_qualities("live-worker", qualities=["360p"])
    print("claimed", flush=True)
    for progress in (30, 60):
        time.sleep(2.5)
        db.heartbeat_quality(lease.id, lease.lease_token, progress)
        print(progress, flush=True)
    time.sleep(2.5)
    db.complete_quality(lease.id, lease.lease_token)
    print("done", flush=True)
"""


def test_a_quality_changes_live_while_another_process_works_it(
    db_url, start_console, browser, screenshots
):
    video, q = seed(db_url)
    console = start_console(db_url)
    browser.get(f"{console.url}/videos/{video.id}")
    wait(browser, lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
    assert row(browser, q["360p"]).get_attribute("data-status") == "pending"

    worker = subprocess.Popen([sys.executable, "-c", WORKER, db_url], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "claimed"
        # no reload: the page follows the feed (the time it takes is bench/console.py's)
        wait(browser, lambda b: row(b, q["360p"]).get_attribute("data-status") == "processing")
        wait(browser, lambda b: "30%" in row(b, q["360p"]).text)
        wait(browser, lambda b: "60%" in row(b, q["360p"]).text)
        browser.save_screenshot(str(screenshots / "video-live.png"))
        wait(browser, lambda b: row(b, q["360p"]).get_attribute("data-status") == "ready")
        assert worker.wait(10) == 0
    finally:
        worker.kill()
    assert "quality_status" in text_of(browser, "#changes")


@pytest.mark.parametrize("path", ["/", "/queue"])
def test_the_overview_and_queue_follow_the_queue_live(db_url, start_console, browser, path):
    video, q = seed(db_url)
    console = start_console(db_url)
    browser.get(console.url + path)
    wait(browser, lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
    with vqdb.Catalog(db_url, maxconn=1) as db:
        for _ in range(2):
            v = db.create_video(title="late")
            db.create_video_quality(v.id, "1080p", "x.mp4", max_attempts=1)
            (lease,) = db.claim_qualities("w", qualities=["1080p"])
            db.fail_quality(lease.id, lease.lease_token, "ffmpeg_failed", "exit 1")
    failed_1080p = lambda b: b.find_element(  # noqa: E731
        By.CSS_SELECTOR, '#queue-stats tr[data-quality="1080p"]'
    ).text.split()[5]
    wait(browser, lambda b: failed_1080p(b) == "3", timeout=15)
