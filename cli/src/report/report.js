(function () {
  'use strict';

  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var COLORS = { critical: '#82071e', high: '#cf222e', medium: '#bc4c00', low: '#9a6700', info: '#57606a' };
  var AREAS = ['access', 'application', 'data', 'model'];
  var MAX_ROWS = 5000;
  var MAX_LANES = 40;
  var MAX_INCIDENTS = 500;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  var data = JSON.parse(document.getElementById('aidr-data').textContent);
  var findings = Array.isArray(data.findings) ? data.findings : [];
  var paths = Array.isArray(data.paths) ? data.paths : [];
  var inventory = data.inventory && typeof data.inventory === 'object' ? data.inventory : null;
  var resources = inventory && Array.isArray(inventory.resources) ? inventory.resources : [];
  var gaps = inventory && Array.isArray(inventory.gaps) ? inventory.gaps : [];
  var filter = { severity: '', account: '' };
  var findingRows = [];
  var pathFigures = [];
  var resourceRows = [];
  var gapRows = [];

  function byId(id) { return document.getElementById(id); }
  function str(v) { return v === null || v === undefined ? '' : String(v); }
  function sev(v) { return RANK[v] === undefined ? 'info' : v; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = str(text);
    return e;
  }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = str(text);
    return e;
  }
  function tr(cls, cells) {
    var row = el('tr', cls);
    cells.forEach(function (c) { row.appendChild(c); });
    return row;
  }
  function td(text, cls) { return el('td', cls, text); }
  function tdNode(node) { var c = el('td'); c.appendChild(node); return c; }
  function badge(s) { return el('span', 'badge sev-' + sev(s), sev(s)); }
  function clip(text, n) { text = str(text); return text.length > n ? text.slice(0, n - 1) + '\u2026' : text; }
  function when(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z'; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function severityOk(item) { return !filter.severity || sev(item.severity) === filter.severity; }
  function accountOk(item) { return !filter.account || str(item.account) === filter.account; }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  // Filters: read from the URL fragment (#severity=high&account=111122223333), written back.
  function readFragment() {
    var next = { severity: '', account: '' };
    location.hash.replace(/^#/, '').split('&').forEach(function (part) {
      var i = part.indexOf('=');
      if (i < 0) return;
      var key, value;
      try {
        key = decodeURIComponent(part.slice(0, i));
        value = decodeURIComponent(part.slice(i + 1));
      } catch (e) {
        return;
      }
      if (key === 'severity' && RANK[value] !== undefined) next.severity = value;
      if (key === 'account') next.account = value;
    });
    filter = next;
  }

  function writeFragment() {
    var parts = [];
    if (filter.severity) parts.push('severity=' + encodeURIComponent(filter.severity));
    if (filter.account) parts.push('account=' + encodeURIComponent(filter.account));
    var hash = parts.length ? '#' + parts.join('&') : '';
    if (location.hash !== hash) location.hash = hash;
  }

  function syncSelects() {
    byId('filter-severity').value = filter.severity;
    var accounts = byId('filter-account');
    if (filter.account && !Array.prototype.some.call(accounts.options, function (o) { return o.value === filter.account; })) {
      accounts.appendChild(el('option', '', filter.account)).value = filter.account;
    }
    accounts.value = filter.account;
  }

  function allAccounts() {
    var seen = {};
    [findings, paths, resources, gaps].forEach(function (list) {
      list.forEach(function (item) { if (str(item.account)) seen[str(item.account)] = true; });
    });
    return Object.keys(seen).sort();
  }

  // What does not change with the filters.
  function buildStatic() {
    var about = 'Generated ' + str(data.generated) + ' by aidr ' + str(data.version);
    if (Array.isArray(data.sources) && data.sources.length) about += ' from ' + data.sources.join(', ');
    if (inventory) about += '. Inventory collected ' + str(inventory.collected_at);
    byId('about').textContent = about + '.';

    var accounts = byId('filter-account');
    allAccounts().forEach(function (a) { accounts.appendChild(el('option', '', a)).value = a; });

    var cards = byId('by-severity');
    SEVERITIES.forEach(function (s) {
      var card = el('button', 'card sev-' + s);
      card.type = 'button';
      card.setAttribute('data-severity', s);
      var count = el('span', 'count', '0');
      count.id = 'count-' + s;
      card.appendChild(count);
      card.appendChild(el('span', 'label', s));
      card.addEventListener('click', function () {
        filter.severity = filter.severity === s ? '' : s;
        writeFragment();
        apply();
      });
      cards.appendChild(card);
    });

    var sorted = findings.slice().sort(function (a, b) {
      return (RANK[sev(a.severity)] - RANK[sev(b.severity)]) ||
        ((typeof a.millis === 'number' ? a.millis : Infinity) - (typeof b.millis === 'number' ? b.millis : Infinity)) ||
        str(a.rule).localeCompare(str(b.rule));
    });
    var body = byId('finding-rows');
    sorted.slice(0, MAX_ROWS).forEach(function (f) {
      var row = tr('finding', [tdNode(badge(f.severity)), td(f.time, 'mono'), td(f.rule, 'mono'), td(f.account, 'mono'), td(f.region, 'nowrap'), td(f.summary)]);
      row.setAttribute('data-severity', sev(f.severity));
      row.setAttribute('data-account', str(f.account));
      body.appendChild(row);
      findingRows.push({ item: f, node: row });
    });
    byId('findings-note').textContent = findings.length > MAX_ROWS
      ? 'The ' + MAX_ROWS + ' most severe of ' + findings.length + ' findings are listed; the counts and the timeline cover all.'
      : (findings.length ? '' : 'No findings.');

    var list = byId('path-list');
    paths.forEach(function (p) {
      var figure = el('figure', 'path');
      figure.setAttribute('data-severity', sev(p.severity));
      figure.setAttribute('data-account', str(p.account));
      var caption = el('figcaption');
      caption.appendChild(badge(p.severity));
      caption.appendChild(document.createTextNode(' ' + str(p.title) + ' \u2014 ' + str(p.account) + ' ' + str(p.region) + ' (' + str(p.kind) + ')'));
      figure.appendChild(caption);
      var steps = Array.isArray(p.steps) ? p.steps : [];
      figure.appendChild(diagram(steps));
      var evidence = el('ol', 'evidence');
      steps.forEach(function (s) { evidence.appendChild(el('li', '', str(s.label) + ': ' + str(s.evidence))); });
      figure.appendChild(evidence);
      list.appendChild(figure);
      pathFigures.push({ item: p, node: figure });
    });

    if (!inventory) {
      byId('inventory-note').textContent = 'No inventory in this report (aidr report --from FILE adds one).';
      Array.prototype.forEach.call(byId('inventory').querySelectorAll('table'), function (t) { t.hidden = true; });
      byId('gaps').hidden = true;
      return;
    }
    var scopes = Array.isArray(inventory.scopes) ? inventory.scopes : [];
    byId('inventory-note').textContent = plural(resources.length, 'resource') + ' in ' + plural(scopes.length, 'scope') + ': ' +
      scopes.map(function (s) { return str(s.account) + ' ' + str(s.region); }).join(', ') + '.';
    var rows = byId('inventory-rows');
    resources.slice(0, MAX_ROWS).forEach(function (r) {
      var row = tr('resource', [td(r.account, 'mono'), td(r.region, 'nowrap'), td(r.type, 'mono'), td(r.name), td(r.facts)]);
      row.setAttribute('data-account', str(r.account));
      row.title = str(r.arn);
      rows.appendChild(row);
      resourceRows.push({ item: r, node: row });
    });
    var gapBody = byId('gap-rows');
    gaps.forEach(function (g) {
      var row = tr('gap', [td(g.account, 'mono'), td(g.region), td(g.service), td(g.operation), td(g.reason), td(g.message)]);
      row.setAttribute('data-account', str(g.account));
      gapBody.appendChild(row);
      gapRows.push({ item: g, node: row });
    });
    if (!gaps.length) gapBody.appendChild(tr('', [td('None: every list and describe call answered.')]));
  }

  // An attack path: its steps as boxes, left to right, joined by arrows.
  function diagram(steps) {
    var W = 200, H = 60, GAP = 44, PAD = 6;
    var n = steps.length;
    var width = PAD * 2 + n * W + Math.max(0, n - 1) * GAP;
    var height = H + PAD * 2;
    var svg = svgEl('svg', { 'class': 'path-diagram', viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img' });
    svg.setAttribute('aria-label', steps.map(function (s) { return str(s.label); }).join(' \u2192 '));
    steps.forEach(function (s, i) {
      var x = PAD + i * (W + GAP), y = PAD;
      var g = svgEl('g', { 'class': 'step', 'data-arn': str(s.arn) });
      g.appendChild(svgEl('title', {}, str(s.label) + '\n' + str(s.arn) + '\n' + str(s.evidence)));
      var stroke = i === 0 ? COLORS.high : (i === n - 1 ? COLORS.critical : '#8c959f');
      g.appendChild(svgEl('rect', { x: x, y: y, width: W, height: H, rx: 8, fill: '#f6f8fa', stroke: stroke, 'stroke-width': 1.5 }));
      g.appendChild(svgEl('text', { 'class': 'step-label', x: x + 10, y: y + 25 }, clip(s.label, 28)));
      g.appendChild(svgEl('text', { 'class': 'step-type', x: x + 10, y: y + 45 }, clip(s.resource_type, 30)));
      svg.appendChild(g);
      if (i < n - 1) {
        var from = x + W + 2, to = x + W + GAP - 2, mid = y + H / 2;
        svg.appendChild(svgEl('line', { 'class': 'arrow', x1: from, y1: mid, x2: to - 8, y2: mid, stroke: '#57606a', 'stroke-width': 1.5 }));
        svg.appendChild(svgEl('polygon', { points: to + ',' + mid + ' ' + (to - 9) + ',' + (mid - 5) + ' ' + (to - 9) + ',' + (mid + 5), fill: '#57606a' }));
      }
    });
    return svg;
  }

  // Findings sharing a dedupe key, with their first and last times.
  function incidents(list) {
    var byKey = {}, out = [];
    list.forEach(function (f) {
      if (typeof f.millis !== 'number') return;
      var key = str(f.key) || str(f.rule) + '|' + str(f.account);
      var i = byKey[key];
      if (!i) {
        i = byKey[key] = { first: f.millis, last: f.millis, count: 0, severity: sev(f.severity), title: f.title, account: f.account };
        out.push(i);
      }
      i.count += 1;
      if (f.millis < i.first) i.first = f.millis;
      if (f.millis > i.last) i.last = f.millis;
      if (RANK[sev(f.severity)] < RANK[i.severity]) i.severity = sev(f.severity);
    });
    return out.sort(function (a, b) { return a.first - b.first; });
  }

  function timeline(list) {
    var chart = byId('timeline-chart');
    clear(chart);
    var all = incidents(list);
    var untimed = list.filter(function (f) { return typeof f.millis !== 'number'; }).length;
    var lanes = all;
    var notes = [plural(all.length, 'incident')];
    if (all.length > MAX_LANES) {
      lanes = all.slice().sort(function (a, b) { return (RANK[a.severity] - RANK[b.severity]) || (a.first - b.first); })
        .slice(0, MAX_LANES).sort(function (a, b) { return a.first - b.first; });
      notes.push('the ' + MAX_LANES + ' most severe are drawn');
    }
    if (untimed) notes.push(plural(untimed, 'finding') + ' without a time left out');
    byId('timeline-note').textContent = notes.join('; ') + '.';
    var body = byId('incidents').querySelector('tbody');
    clear(body);
    all.slice(0, MAX_INCIDENTS).forEach(function (i) {
      var row = tr('incident', [td(when(i.first), 'mono'), td(when(i.last), 'mono'), tdNode(badge(i.severity)), td(i.count, 'count'), td(i.title), td(i.account, 'mono')]);
      row.setAttribute('data-severity', i.severity);
      body.appendChild(row);
    });
    if (!lanes.length) return;
    var W = 960, LABEL = 300, PAD = 12, LANE = 20, AXIS = 30;
    var t0 = Math.min.apply(null, lanes.map(function (i) { return i.first; }));
    var t1 = Math.max.apply(null, lanes.map(function (i) { return i.last; }));
    if (t1 - t0 < 60000) { t0 -= 30000; t1 += 30000; }
    var x = function (t) { return LABEL + (t - t0) / (t1 - t0) * (W - LABEL - PAD); };
    var height = PAD + lanes.length * LANE + AXIS;
    var svg = svgEl('svg', { 'class': 'timeline', viewBox: '0 0 ' + W + ' ' + height, width: W, height: height, role: 'img' });
    svg.setAttribute('aria-label', 'Timeline of ' + plural(lanes.length, 'incident'));
    lanes.forEach(function (i, k) {
      var y = PAD + k * LANE;
      var g = svgEl('g', { 'class': 'incident', 'data-severity': i.severity });
      g.appendChild(svgEl('title', {}, i.severity + ': ' + str(i.title) + ' (' + plural(i.count, 'finding') + ', ' + when(i.first) + ' to ' + when(i.last) + ')'));
      g.appendChild(svgEl('text', { x: 0, y: y + 13 }, clip(i.title, 44)));
      g.appendChild(svgEl('rect', { x: x(i.first), y: y + 3, width: Math.max(6, x(i.last) - x(i.first)), height: 12, rx: 3, fill: COLORS[i.severity] }));
      svg.appendChild(g);
    });
    var base = PAD + lanes.length * LANE + 4;
    svg.appendChild(svgEl('line', { x1: LABEL, y1: base, x2: W - PAD, y2: base, stroke: '#8c959f' }));
    for (var k = 0; k <= 4; k++) {
      var t = t0 + (t1 - t0) * k / 4;
      var anchor = k === 0 ? 'start' : (k === 4 ? 'end' : 'middle');
      svg.appendChild(svgEl('line', { x1: x(t), y1: base, x2: x(t), y2: base + 4, stroke: '#8c959f' }));
      svg.appendChild(svgEl('text', { 'class': 'axis', x: x(t), y: base + 18, 'text-anchor': anchor }, when(t)));
    }
    chart.appendChild(svg);
  }

  function countRows(tableId, keys, counts, attribute, onClick) {
    var body = byId(tableId).querySelector('tbody');
    clear(body);
    keys.forEach(function (key) {
      var row = tr('', [td(key, attribute === 'data-account' ? 'mono' : ''), td(counts[key] || 0, 'count')]);
      row.setAttribute(attribute, key);
      if (onClick) row.addEventListener('click', function () { onClick(key); });
      body.appendChild(row);
    });
  }

  // Everything the filters change.
  function apply() {
    var shown = findings.filter(function (f) { return severityOk(f) && accountOk(f); });
    byId('shown').textContent = shown.length + ' of ' + plural(findings.length, 'finding') + ' shown';

    SEVERITIES.forEach(function (s) {
      var n = findings.filter(function (f) { return accountOk(f) && sev(f.severity) === s; }).length;
      byId('count-' + s).textContent = String(n);
      byId('count-' + s).parentNode.classList.toggle('selected', filter.severity === s);
    });
    var areas = {}, accounts = {};
    shown.forEach(function (f) { areas[str(f.area)] = (areas[str(f.area)] || 0) + 1; });
    findings.filter(severityOk).forEach(function (f) { accounts[str(f.account)] = (accounts[str(f.account)] || 0) + 1; });
    var areaKeys = AREAS.concat(Object.keys(areas).filter(function (a) { return AREAS.indexOf(a) < 0; }).sort());
    countRows('by-area', areaKeys, areas, 'data-area');
    countRows('by-account', Object.keys(accounts).sort(), accounts, 'data-account', function (a) {
      filter.account = filter.account === a ? '' : a;
      writeFragment();
      syncSelects();
      apply();
    });

    findingRows.forEach(function (r) { r.node.hidden = !(severityOk(r.item) && accountOk(r.item)); });
    timeline(shown);

    var pathsShown = 0;
    pathFigures.forEach(function (p) {
      p.node.hidden = !(severityOk(p.item) && accountOk(p.item));
      if (!p.node.hidden) pathsShown += 1;
    });
    byId('paths-note').textContent = paths.length
      ? pathsShown + ' of ' + plural(paths.length, 'attack path') + ' shown.'
      : 'No attack paths in this report.';

    resourceRows.forEach(function (r) { r.node.hidden = !accountOk(r.item); });
    gapRows.forEach(function (g) { g.node.hidden = !accountOk(g.item); });
    if (inventory) {
      var types = {};
      resources.filter(accountOk).forEach(function (r) { types[str(r.type)] = (types[str(r.type)] || 0) + 1; });
      countRows('inventory-types', Object.keys(types).sort(), types, 'data-type');
    }
  }

  readFragment();
  buildStatic();
  syncSelects();
  apply();
  byId('filter-severity').addEventListener('change', function (e) {
    filter.severity = e.target.value;
    writeFragment();
    apply();
  });
  byId('filter-account').addEventListener('change', function (e) {
    filter.account = e.target.value;
    writeFragment();
    apply();
  });
  window.addEventListener('hashchange', function () {
    readFragment();
    syncSelects();
    apply();
  });
  document.body.setAttribute('data-rendered', 'true');
})();
