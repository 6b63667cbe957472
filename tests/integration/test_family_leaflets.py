"""Each education page prints as an A4 leaflet in English and in Chinese. pdftotext reads
the text back: Chinese comes out as real characters only if a CJK font was embedded."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ithaca.family.education import PAGES
from ithaca.family.models import CallWhen, TeamContact

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None,
    reason="pdftotext (poppler-utils) is not installed; `make browser` installs it",
)

# One sentence in English and one phrase in Chinese from each page's own words.
EXPECTED = {
    "pain-can-be-controlled": ("You do not have to put up with it.", "疼痛是可以控制的"),
    "what-is-an-intrathecal-pump": ("How it differs from tablets", "和口服药有什么不同"),
    "the-trial-and-the-operation": ("This is called a trial.", "试验治疗"),
    "living-with-the-pump": ("Keep every refill appointment.", "每次加药预约都要按时来"),
    "external-pump": ("Keep the dressing clean and dry.", "保持敷料清洁干燥"),
    "realistic-expectations": ("It does not treat the cancer.", "不能治疗癌症"),
}


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [str(PDFTOTEXT), "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    # pdftotext breaks lines where the leaflet wraps: compare with the line breaks removed.
    text = out.stdout.decode("utf-8")
    return " ".join(text.split())


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def signed_in(client, caregiver):
    TeamContact.objects.create(
        name="Pain team nurses",
        name_zh_hans="疼痛科护士",
        phone="07700 900461",
        when=CallWhen.WEEKDAYS,
    )
    client.force_login(caregiver)
    return client


def test_every_page_has_expectations():
    assert set(EXPECTED) == {page.slug for page in PAGES}


@needs_pdftotext
@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_leaflet_prints_in_english_with_sources_signoff_and_numbers(signed_in, slug, tmp_path):
    response = signed_in.get(f"/learn/{slug}/leaflet.pdf", {"lang": "en-gb"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    assert EXPECTED[slug][0] in text
    assert "What this page is based on" in text
    assert "sign-off" in text
    assert "07700 900461" in text


@needs_pdftotext
@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_leaflet_prints_in_chinese_as_real_characters(signed_in, slug, tmp_path):
    response = signed_in.get(f"/learn/{slug}/leaflet.pdf", {"lang": "zh-hans"})
    assert response.status_code == 200
    text = squeezed(text_of(response.content, tmp_path))
    assert squeezed(EXPECTED[slug][1]) in text
    assert "本页内容的依据" in text
    assert "疼痛科护士" in text


@needs_pdftotext
def test_the_chinese_leaflet_embeds_the_noto_cjk_font(signed_in, tmp_path):
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "zh.pdf"
    path.write_bytes(
        signed_in.get("/learn/pain-can-be-controlled/leaflet.pdf?lang=zh-hans").content
    )
    fonts = subprocess.run([pdffonts, str(path)], capture_output=True, check=True, text=True).stdout
    assert "NotoSansCJKSC" in fonts.replace(" ", "").replace("-", "")


def test_without_the_cjk_font_a_chinese_leaflet_is_refused_not_printed_as_boxes(
    signed_in, monkeypatch
):
    # WeasyPrint would print every character as an empty box, without an error.
    monkeypatch.setattr("ithaca.family.views_learn.cjk_font_installed", lambda: False)
    response = signed_in.get("/learn/pain-can-be-controlled/leaflet.pdf?lang=zh-hans")
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
    english = signed_in.get("/learn/pain-can-be-controlled/leaflet.pdf?lang=en-gb")
    assert english.status_code == 200


def test_a_leaflet_in_another_language_is_refused_in_words(signed_in):
    response = signed_in.get("/learn/pain-can-be-controlled/leaflet.pdf", {"lang": "fr"})
    assert response.status_code == 400
    assert "English (en-gb) or Simplified Chinese" in response.content.decode()


def test_an_unknown_page_is_not_found(signed_in):
    assert signed_in.get("/learn/no-such-page/leaflet.pdf").status_code == 404


def test_leaflets_and_pages_need_a_signed_in_account_with_a_role(client, stranger, nurse):
    assert client.get("/learn/pain-can-be-controlled/")["Location"].startswith("/accounts/login/")
    client.force_login(stranger)
    assert client.get("/learn/pain-can-be-controlled/leaflet.pdf").status_code == 403
    client.force_login(nurse)  # staff read the same pages they hand out
    assert client.get("/learn/pain-can-be-controlled/").status_code == 200
