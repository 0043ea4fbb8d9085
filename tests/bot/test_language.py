"""Language detection per message: clear sentences decide, stray words do not."""
import pytest

from bot.language import detect_language


@pytest.mark.parametrize("text,expected", [
    ("Peut-on vendre en Chine depuis le site web de sa PME ?", "fr"),
    ("Can I sell to China from my own web shop?", "en"),
    ("combien coute tmall", "fr"), ("what is tmall global", "en"),
    ("bonjour", "fr"), ("hello", "en"), ("oui", "fr"), ("yes", "en"),
    ("et les frais ?", "fr"), ("and the fees?", "en"),
    ("stop", None), ("marie at example", None), ("Tmall Global", None), ("35 personnes", None),
    ("", None),
])
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("yes", None), ("ok thanks", None), ("yes please", "en"), ("oui merci", "fr"),
    ("How much does Tmall Global cost?", "en")])
def test_a_larger_margin_needs_more_than_one_word(text, expected):
    assert detect_language(text, margin=3) == expected


@pytest.mark.slow  # a fresh interpreter loads spaCy, then torch
def test_spacy_loads_without_torch_and_torch_still_loads_after():
    """The action server's pipelines run on numpy: spaCy must not pull torch in (~190 MiB);
    an encoder that needs torch can still import it afterwards."""
    import subprocess
    import sys

    code = ("import sys\n"
            "import bot.language\n"
            "from bot.knowledge.lexical import lemmas\n"
            "assert lemmas(['Les boutiques coûtent combien ?'], 'fr')[0]\n"
            "assert 'torch' not in sys.modules, 'spaCy imported torch'\n"
            "import torch\n"
            "assert torch.zeros(1).sum().item() == 0\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
