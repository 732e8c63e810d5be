from forum.evals.html_text import html_to_text


def test_paragraphs_and_inline_markup():
    html = "<p>Hello <strong>big</strong>   world &amp; co</p>\n\n<p>Next <code>getBalances()</code></p>"
    assert html_to_text(html) == "Hello big world & co\nNext getBalances()"


def test_pre_keeps_layout():
    html = "<p>Run:</p><pre><code>$ ls\n    indented &lt;x&gt;\n</code></pre><p>done</p>"
    assert html_to_text(html) == "Run:\n$ ls\n    indented <x>\ndone"


def test_lists_links_images_and_scripts():
    html = '<ul><li>one</li><li><a href="/x">two</a></li></ul><img src="a.png" alt="diagram"><script>x()</script>'
    assert html_to_text(html) == "one\ntwo\ndiagram"
