% rebase('layout.tpl', title=_('Voice menus'), page='admin')
% include('admin_nav.tpl', current='/admin/ivr')
<h1>{{_('Voice menus')}}</h1>
% notices = {'deleted': _('The menu was deleted.'), 'lines': _('The lines answer with their new menus.'), 'unchanged': _('Nothing changed.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if offline:
<p class="notice warn" role="status">{{_('The engine is not running: it takes the change when it starts.')}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<p class="muted">{{_("A voice menu answers a line's calls after a number of rings: it plays a prompt and the caller chooses with a key, on to another menu, voicemail, an announcement, the satisfaction survey or the office's phones.")}}</p>
<div class="table-wrap">
<table>
  <thead><tr><th>{{_('Menu name')}}</th><th>{{_('Nodes')}}</th><th>{{_('Lines')}}</th><th>{{_('Changed')}}</th><th></th></tr></thead>
  <tbody>
  % for menu in menus:
  <tr>
    <td>{{menu.name}}</td>
    <td>{{len(menu.document.get('nodes', []))}}</td>
    <td>{{', '.join(str(n) for n in uses[menu.id]) or '—'}}</td>
    <td>{{_.datetime(menu.updated_at)}} · {{menu.updated_by_name}}</td>
    <td><a href="/admin/ivr/{{menu.id}}">{{_('Edit')}}</a></td>
  </tr>
  % end
  % if not menus:
  <tr><td colspan="5" class="muted">{{_('No voice menus yet.')}}</td></tr>
  % end
  </tbody>
</table>
</div>
<p><a class="button" href="/admin/ivr/new">{{_('New voice menu')}}</a></p>
<section class="panel">
  <h2>{{_('Which line answers with which menu')}}</h2>
  <form method="post" action="/admin/ivr/lines" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="table-wrap">
    <table>
      <thead><tr><th>{{_('Line')}}</th><th>{{_('Voice menu')}}</th><th>{{_('Rings before the menu answers')}}</th></tr></thead>
      <tbody>
      % for line in lines:
      % current = assigned.get(line.number)
      <tr>
        <td>{{line.given_name or _('Line {n}', n=line.number)}}</td>
        <td><select name="line-{{line.number}}-menu" aria-label="{{_('Voice menu')}}">
          <option value="">{{_('None: the phones ring')}}</option>
          % for menu in menus:
          <option value="{{menu.id}}"{{!' selected' if current and current.menu_id == menu.id else ''}}>{{menu.name}}</option>
          % end
        </select></td>
        <td><input type="number" name="line-{{line.number}}-rings" min="{{rings_range[0]}}" max="{{rings_range[1]}}" value="{{current.rings if current else default_rings}}" aria-label="{{_('Rings before the menu answers')}}"></td>
      </tr>
      % end
      </tbody>
    </table>
    </div>
    <p class="hint">{{_('Caller ID comes between the first and the second ring: a menu that answers after one ring may answer before it.')}}</p>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
