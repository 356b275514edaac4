<!doctype html>
<html lang="{{_.html_lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{csrf}}">
<title>{{_('Wallboard')}} · linerec</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="stylesheet" href="/static/memos.css">
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<script src="/static/app.js" defer></script>
<script src="/static/dashboard.js" defer></script>
</head>
<body class="wallboard" data-page="wallboard" data-events="/events" data-lang="{{_.language}}">
<main class="dashboard wall" data-dashboard="/api/dashboard" data-every="{{refresh_s}}" data-reload-signed-out
  % for state in ('idle', 'ringing', 'dialling', 'in_call', 'silent', 'seized', 'offline'):
  data-state-{{state}}="{{_.line_state(state)}}"
  % end
  >
<header class="wall-head">
  <h1><span class="wall-brand">linerec</span> {{_('Today')}} <span data-figure="day">{{texts['day']}}</span></h1>
  <p class="wall-clock"><span data-clock></span> <span class="wall-updated">{{_('Updated')}} <span data-updated></span></span></p>
</header>
% include('dashboard_tiles.tpl')
% if glance.operators is not None:
<h2>{{_('Operators today')}}</h2>
% include('dashboard_operators_table.tpl')
% end
</main>
<div id="engine-offline" class="offline-banner" hidden>{{_('The line engine is not running: the live view is paused.')}}</div>
</body>
</html>
