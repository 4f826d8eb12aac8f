/* report.js - the sortable, filterable, paged item tables of report.html.
 * Embedded into the binary; data come from <script type="application/json">
 * blocks and are only ever put into the page as text (textContent), so a
 * hostile file name cannot become markup. */
(function () {
  'use strict';
  function bytes(n) {
    if (n === null || n === undefined) return '';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0, v = n;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(1) : String(v)) + ' ' + u[i];
  }
  function cmp(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : 1;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function Table(root) {
    var data = JSON.parse(document.getElementById(root.getAttribute('data-src')).textContent);
    var cols = data.cols, rows = data.rows, view = rows, keys = null;
    var sortCol = -1, asc = true, page = 0, size = 50, timer = null;
    var ctl = el('div', undefined, 'ctl');
    var q = el('input'); q.type = 'search'; q.placeholder = 'Filter (any column)';
    var prev = el('button', '\u25C0 Previous'), next = el('button', 'Next \u25B6');
    var sel = el('select');
    [25, 50, 100, 500].forEach(function (n) {
      var o = el('option', n + ' per page'); o.value = n; if (n === size) o.selected = true; sel.appendChild(o);
    });
    var info = el('span', '', 'count');
    ctl.appendChild(q); ctl.appendChild(prev); ctl.appendChild(next); ctl.appendChild(sel); ctl.appendChild(info);
    var table = el('table'), thead = el('thead'), tbody = el('tbody'), hr = el('tr');
    cols.forEach(function (c, i) {
      var th = el('th', c[0], c[1] === 'n' || c[1] === 'b' ? 'n' : '');
      th.title = 'Sort by ' + c[0];
      th.addEventListener('click', function () {
        if (sortCol === i) asc = !asc; else { sortCol = i; asc = true; }
        hr.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
        th.classList.add(asc ? 'asc' : 'desc');
        view = view.slice().sort(function (a, b) { var r = cmp(a[i], b[i]); return asc ? r : -r; });
        page = 0; render();
      });
      hr.appendChild(th);
    });
    thead.appendChild(hr); table.appendChild(thead); table.appendChild(tbody);
    root.appendChild(ctl); root.appendChild(table);
    function filter() {
      var s = q.value.toLowerCase();
      if (!s) view = rows.slice();
      else {
        if (!keys) keys = rows.map(function (r) { return r.join('\u0001').toLowerCase(); });
        view = [];
        for (var i = 0; i < rows.length; i++) if (keys[i].indexOf(s) >= 0) view.push(rows[i]);
      }
      if (sortCol >= 0) view.sort(function (a, b) { var r = cmp(a[sortCol], b[sortCol]); return asc ? r : -r; });
      page = 0; render();
    }
    function render() {
      var pages = Math.max(1, Math.ceil(view.length / size));
      if (page >= pages) page = pages - 1;
      var frag = document.createDocumentFragment();
      view.slice(page * size, page * size + size).forEach(function (r) {
        var tr = el('tr');
        cols.forEach(function (c, i) {
          var v = r[i], t = c[1];
          var td = el('td', t === 'b' ? bytes(v) : v === null || v === undefined ? '' : String(v),
                      t === 'n' || t === 'b' ? 'n' : t === 'h' ? 'h' : t === 'd' ? 'disp-' + v : '');
          if (t === 'b' && v !== null) td.title = v + ' bytes';
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      });
      tbody.textContent = '';
      tbody.appendChild(frag);
      info.textContent = view.length + ' of ' + rows.length + ' rows; page ' + (page + 1) + ' of ' + pages;
      info.setAttribute('data-shown', String(view.length));
      prev.disabled = page === 0; next.disabled = page >= pages - 1;
    }
    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(filter, 200); });
    prev.addEventListener('click', function () { page--; render(); });
    next.addEventListener('click', function () { page++; render(); });
    sel.addEventListener('change', function () { size = +sel.value; page = 0; render(); });
    render();
    root.setAttribute('data-ready', String(rows.length));
  }
  document.querySelectorAll('div.ptable').forEach(function (t) { Table(t); });
  document.body.setAttribute('data-tables', 'ready');
  /* time from navigation to tables ready, for bench/report_bench.sh */
  document.body.setAttribute('data-load-ms', String(Math.round(performance.now())));
})();
