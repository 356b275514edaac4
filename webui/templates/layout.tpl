<!doctype html>
<html lang="{{_.html_lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{csrf}}">
<title>{{title}} · linerec</title>
% for style in get('styles', []):
<link rel="stylesheet" href="/static/{{style}}">
% end
<link rel="stylesheet" href="/static/app.css">
% if user:
<link rel="stylesheet" href="/static/memos.css">
<script src="/static/reminders.js" defer></script>
% end
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<script src="/static/app.js" defer></script>
<script src="/static/transfer.js" defer></script>
% for script in get('scripts', []):
<script src="/static/{{script}}" defer></script>
% end
</head>
<body data-page="{{get('page', '')}}"{{!' data-events="/events"' if user else ''}} data-lang="{{_.language}}">
% if user:
<header class="top">
  <a class="brand" href="/">linerec</a>
  <input type="checkbox" id="menu-toggle" class="menu-toggle" aria-label="{{_('Menu')}}">
  <label for="menu-toggle" class="menu-button" aria-hidden="true">☰</label>
  <nav class="menu">
    % from webui.menu import menu_for
    % def menu_entry(entry, badge):
    <a href="{{entry.href}}"{{!' aria-current="page"' if get('page') == entry.page else ''}}>{{_(entry.label)}}\\
    % if badge:
<span class="count-badge"{{!' ' + badge.live_name if badge.live_name else ''}}{{!'' if badge.count else ' hidden'}} title="{{_(badge.title)}}">{{badge.count}}</span>\\
    % end
</a>
    % end
    % for group in menu_for(ctx, get('page', '')):
    % if not group.label or len(group.entries) == 1:
    % for entry, badge in group.entries:
    % menu_entry(entry, badge)
    % end
    % else:
    <details class="menu-group"{{!' data-current' if group.current else ''}}>
      <summary>{{_(group.label)}}<span class="count-badge" data-group-count{{!'' if group.count else ' hidden'}}>{{group.count}}</span></summary>
      <div class="menu-panel">
    % for entry, badge in group.entries:
    % menu_entry(entry, badge)
    % end
      </div>
    </details>
    % end
    % end
  </nav>
  <div class="who">
    % include('presence_select.tpl')
    <a href="/account" title="{{_('My account')}}">{{user.shown_name}}</a>
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="link">{{_('Sign out')}}</button>
    </form>
  </div>
</header>
% end
% storage_warning = ctx.deps.storage.warning()
% if storage_warning:
<div class="storage-banner" role="alert">{{_(storage_warning[0], **storage_warning[1])}}</div>
% end
% if user:
% key_state = ctx.deps.encryption_state()
% if key_state == 'locked':
<div class="storage-banner key-banner" role="status">{{_('Recordings are encrypted; the key is locked: playing and exporting wait for the passphrase.')}}
% if ctx.can('admin'):
<a href="/admin/encryption">{{_('Unlock')}}</a>
% end
</div>
% elif key_state == 'not_set_up' and ctx.can('admin'):
<div class="storage-banner key-banner" role="status">{{_('Encryption is on, but the box has no recordings key: recordings stay plain until it is set up.')}} <a href="/admin/encryption">{{_('Set up encryption')}}</a></div>
% end
% end
<main class="{{get('main_class', 'page')}}">
{{!base}}
</main>
% if user:
<aside id="pops" class="pops" aria-live="polite" data-label-close="{{_('Close')}}"></aside>
<div id="engine-offline" class="offline-banner" hidden>{{_('The line engine is not running: the live view is paused.')}}</div>
<div id="transfer" class="transfer-panel" role="status" aria-live="polite" hidden
     data-sending="{{_('Sending {name}: {percent}% of {size} MB')}}"
     data-working="{{_('The box is reading {name}… {seconds} s')}}"
     data-preparing="{{_('The box is making the file… {seconds} s')}}"
     data-receiving="{{_('Receiving the file: {percent}% of {size} MB')}}"
     data-receiving-size="{{_('Receiving the file: {received} MB')}}"
     data-failed="{{_('The connection to the box was lost before it answered: open the page again to see what was done.')}}">
  <span data-transfer-label></span>
  <progress max="1"></progress>
</div>
% end
</body>
</html>
