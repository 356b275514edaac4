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
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<script src="/static/app.js" defer></script>
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
    <a href="/"{{!' aria-current="page"' if get('page') == 'dashboard' else ''}}>{{_('Dashboard')}}</a>
    <a href="/live"{{!' aria-current="page"' if get('page') == 'live' else ''}}>{{_('Live lines')}}</a>
    <a href="/calls"{{!' aria-current="page"' if get('page') == 'calls' else ''}}>{{_('Call log')}}</a>
    <a href="/surveys"{{!' aria-current="page"' if get('page') == 'surveys' else ''}}>{{_('Surveys')}}</a>
    % if ctx.can('reports') or ctx.can('admin'):
    <a href="/reports"{{!' aria-current="page"' if get('page') == 'reports' else ''}}>{{_('Reports')}}</a>
    % end
    % if ctx.can('recordings_listen') or ctx.can('recordings_download') or ctx.can('audit'):
    <a href="/recordings"{{!' aria-current="page"' if get('page') == 'recordings' else ''}}>{{_('Recordings')}}</a>
    % end
    % if ctx.can('voicemail'):
    % new_messages = ctx.new_voicemail()
    <a href="/voicemail"{{!' aria-current="page"' if get('page') == 'voicemail' else ''}}>{{_('Voicemail')}}<span class="count-badge" data-voicemail-new{{!'' if new_messages else ' hidden'}} title="{{_('New messages')}}">{{new_messages}}</span></a>
    % end
    % from webui.pages.dial_tasks import sees_tasks
    % if sees_tasks(ctx):
    <a href="/tasks"{{!' aria-current="page"' if get('page') == 'tasks' else ''}}>{{_('Tasks')}}</a>
    % end
    % if ctx.can('sms'):
    % from webui.pages.messages import unread_count
    % unread = unread_count(ctx)
    <a href="/messages"{{!' aria-current="page"' if get('page') == 'messages' else ''}}>{{_('Messages')}}<span class="count-badge" data-sms-unread{{!'' if unread else ' hidden'}} title="{{_('Unread messages')}}">{{unread}}</span></a>
    % end
    % if ctx.can('customers_view'):
    <a href="/customers"{{!' aria-current="page"' if get('page') == 'customers' else ''}}>{{_('Customers')}}</a>
    % end
    % if ctx.can('audit') or ctx.can('admin'):
    <a href="/audit"{{!' aria-current="page"' if get('page') == 'audit' else ''}}>{{_('Audit log')}}</a>
    <a href="/health"{{!' aria-current="page"' if get('page') == 'health' else ''}}>{{_('Health')}}</a>
    % end
    % if ctx.can('audit'):
    <a href="/archive"{{!' aria-current="page"' if get('page') == 'archive' else ''}}>{{_('Archive')}}</a>
    % end
    % if ctx.can('firewall') or ctx.can('admin'):
    % from webui.pages.firewall import waiting_count
    % waiting = waiting_count(ctx)
    <a href="/firewall"{{!' aria-current="page"' if get('page') == 'firewall' else ''}}>{{_('Firewall')}}{{!' <span class="badge" title="%s">%d</span>' % (_('Changes waiting for your approval'), waiting) if waiting else ''}}</a>
    % end
    % if ctx.can('admin'):
    <a href="/admin"{{!' aria-current="page"' if get('page') == 'admin' else ''}}>{{_('Settings')}}</a>
    % end
  </nav>
  <div class="who">
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
% end
</body>
</html>
