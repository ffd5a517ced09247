/* kmsearch: the little the pages do in the browser. Loaded with `defer` from
 * base.html; the Content-Security-Policy allows no inline script, so all of
 * it lives here and nothing in the HTML calls it. Every page works without
 * it: this only adds copy-link buttons, folds the filters on a phone,
 * lets "/" jump to the search box, suggests words and titles while typing
 * (a title opens its article), clears an article's highlights where the
 * reader is, writes under a wide table that it scrolls, and puts the
 * page's address and the print date in the margin of a printed page. */
(function () {
  "use strict";

  var NARROW = "(max-width: 49.99rem)";

  /* Filters take a whole screen on a phone: start them folded there. */
  function foldFilters() {
    var filters = document.querySelector("details.filters");
    if (filters && window.matchMedia && window.matchMedia(NARROW).matches) {
      filters.removeAttribute("open");
    }
  }

  /* One polite live region per page says what a copy button did. */
  var statusBox = null;
  function announce(text) {
    if (!statusBox) {
      statusBox = document.createElement("p");
      statusBox.className = "copy-status";
      statusBox.setAttribute("role", "status");
      document.body.appendChild(statusBox);
    }
    statusBox.textContent = text;
    statusBox.classList.add("shown");
    window.clearTimeout(announce.timer);
    announce.timer = window.setTimeout(function () {
      statusBox.classList.remove("shown");
      statusBox.textContent = "";
    }, 4000);
  }

  /* navigator.clipboard needs https or localhost; an office intranet on
   * plain http gets the older execCommand, and failing that a prompt with
   * the link selected. */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  var SVG = "http://www.w3.org/2000/svg";
  function linkIcon() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon");
    ["M10 14a5 5 0 0 0 7 0l3-3a5 5 0 0 0-7-7l-1 1", "M14 10a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1"].forEach(function (d) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  /* A button that copies ``url``; ``text`` is shown beside the icon, or
   * only read out (``label``) when the button is an icon alone. */
  function copyButton(url, label, text) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = text ? "copylink" : "copylink icon-only";
    button.setAttribute("data-copy", url);
    button.setAttribute("aria-label", label);
    button.title = label;
    button.appendChild(linkIcon());
    if (text) button.appendChild(document.createTextNode(" " + text));
    return button;
  }

  function addCopyLinks() {
    var article = document.querySelector("article.doc[data-url]");
    if (!article) return;
    var base = article.getAttribute("data-url");
    var title = article.querySelector("h1");
    if (title) {
      var share = document.createElement("p");
      share.className = "share";
      share.appendChild(copyButton(base, "คัดลอกลิงก์ของเอกสารนี้", "คัดลอกลิงก์"));
      title.parentNode.insertBefore(share, title.nextSibling);
    }
    var heads = article.querySelectorAll(".body h2[id], .body h3[id], .body h4[id]");
    Array.prototype.forEach.call(heads, function (h) {
      /* Beside the heading, not in it: its name stays the heading's own words. */
      var row = document.createElement("div");
      row.className = "heading-row";
      h.parentNode.insertBefore(row, h);
      row.appendChild(h);
      row.appendChild(copyButton(base + "#" + encodeURIComponent(h.id), "คัดลอกลิงก์หัวข้อ " + h.textContent.trim(), ""));
    });
    article.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.copylink") : null;
      if (!button) return;
      var url = button.getAttribute("data-copy");
      copyText(url).then(function (ok) {
        if (ok) {
          announce("คัดลอกลิงก์แล้ว: " + url);
        } else {
          window.prompt("คัดลอกลิงก์นี้", url);
        }
      });
    });
  }

  /* "/" jumps to the search box, as on many search sites. */
  function slashToSearch() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var t = event.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      var box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    });
  }

  /* Suggestions while typing, from /api/suggest, in the browser's own
   * list under the search box (a <datalist>: keyboard and screen readers
   * already know how to use it). */
  function suggestWhileTyping() {
    var box = document.getElementById("q");
    if (!box || !window.fetch) return;
    var list = document.createElement("datalist");
    list.id = "q-suggestions";
    box.parentNode.appendChild(list);
    box.setAttribute("list", list.id);
    var timer = null, last = "", titles = {};
    box.addEventListener("input", function (event) {
      /* Choosing a title from the list opens its article. The browser
       * reports a choice as an input that is not typing (no inputType, or
       * "insertReplacementText"); typing or pasting a title only searches. */
      var byTyping = event.inputType && event.inputType !== "insertReplacementText";
      if (!byTyping && Object.prototype.hasOwnProperty.call(titles, box.value)) {
        window.location.assign(titles[box.value]);
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var typed = box.value;
        if (typed === last || typed.trim().length < 2) return;
        last = typed;
        fetch("/api/suggest?limit=6&q=" + encodeURIComponent(typed), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || box.value !== typed) return;
            list.textContent = "";
            titles = {};
            var seen = {};
            data.terms.forEach(function (text) {
              if (seen[text]) return;
              seen[text] = true;
              var option = document.createElement("option");
              option.value = text;
              list.appendChild(option);
            });
            data.titles.forEach(function (t) {
              if (seen[t.title]) return;
              seen[t.title] = true;
              titles[t.title] = t.url;
              var option = document.createElement("option");
              option.value = t.title;
              option.label = "เปิดเอกสาร";
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience */ });
      }, 150);
    });
  }

  /* "ล้างไฮไลต์" without a reload: the marks go, the reader stays where
   * they are, and the address becomes the plain article's. Without script
   * the link opens the plain article. */
  function clearHighlights() {
    var link = document.querySelector(".hl-bar a.hl-clear");
    if (!link) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      Array.prototype.forEach.call(document.querySelectorAll("article.doc .body mark"), function (mark) {
        var parent = mark.parentNode;
        parent.replaceChild(document.createTextNode(mark.textContent), mark);
        parent.normalize();
      });
      var bar = link.closest(".hl-bar");
      bar.parentNode.removeChild(bar);
      if (window.history && history.replaceState) {
        history.replaceState(null, "", link.getAttribute("href") + window.location.hash);
      }
      announce("ล้างไฮไลต์แล้ว");
    });
  }

  /* A table wider than its box gets a line under it saying it scrolls
   * (the shadows in style.css show where); kept in step with the width. */
  function tableHints() {
    var boxes = document.querySelectorAll(".table-scroll");
    if (!boxes.length) return;
    function update() {
      Array.prototype.forEach.call(boxes, function (box) {
        var hint = box.nextElementSibling && box.nextElementSibling.classList.contains("table-hint")
          ? box.nextElementSibling : null;
        var wide = box.scrollWidth > box.clientWidth + 1;
        if (wide && !hint) {
          hint = document.createElement("p");
          hint.className = "table-hint";
          hint.setAttribute("aria-hidden", "true");   /* the box's own label says it to a screen reader */
          hint.textContent = "เลื่อนเพื่อดูเพิ่ม →";
          box.parentNode.insertBefore(hint, box.nextSibling);
        } else if (!wide && hint) {
          hint.parentNode.removeChild(hint);
        }
      });
    }
    update();
    window.addEventListener("resize", update);
  }

  /* A CSS string for content: (quotes and backslashes escaped, one line). */
  function cssString(text) {
    return '"' + String(text).replace(/[\s]+/g, " ").replace(/["\\]/g, "\\$&") + '"';
  }

  /* Print: the address and the day printed in the foot of every page, as
   * page-margin boxes (Chromium 131+; static/print.css numbers the pages).
   * Only script knows the day the page is printed; the rule is added to
   * print.css through the CSSOM, which the Content-Security-Policy allows.
   * With it the "พิมพ์จาก" line at the end of an article is not printed, so
   * no last page holds only that line; without script that line stays,
   * kept with the text before it. */
  function printMargins() {
    var link = document.querySelector('link[rel="stylesheet"][href*="print.css"]');
    var canonical = document.querySelector('link[rel="canonical"]');
    if (!link || !canonical || !window.Intl) {
      return;
    }
    var index = null;
    function update() {
      var sheet = link.sheet;
      if (!sheet) {
        return;
      }
      var day = new Date().toLocaleDateString("th-TH", {day: "numeric", month: "short", year: "numeric"});
      var rule = "@page { @bottom-left { content: " + cssString("พิมพ์จาก " + canonical.href) + "; }" +
        " @bottom-right { content: " + cssString("พิมพ์เมื่อ " + day) + "; } }";
      try {
        if (index !== null) {
          sheet.deleteRule(index);
          index = null;
        }
        index = sheet.insertRule(rule, sheet.cssRules.length);
      } catch (e) {
        return;   /* no margin boxes here: the line at the end of the article stays */
      }
      var margins = sheet.cssRules[index].cssRules;
      document.documentElement.classList.toggle("print-margins", Boolean(margins && margins.length));
    }
    update();
    link.addEventListener("load", update);
    window.addEventListener("beforeprint", update);
  }

  foldFilters();
  printMargins();
  addCopyLinks();
  clearHighlights();
  tableHints();
  slashToSearch();
  suggestWhileTyping();
}());
