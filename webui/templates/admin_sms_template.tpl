% title = saved.name if saved else _('New template')
% rebase('layout.tpl', title=title, page='admin')
% include('admin_nav.tpl', current='/admin/messages')
<p class="crumbs"><a href="/admin/messages#templates">{{_('Messages')}}</a></p>
<h1>{{title}}</h1>
% notices = {'added': _('The template was added.'), 'saved': _('Saved.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problems:
<p class="problem" role="alert">{{_('Please correct the fields marked below.')}}</p>
% end
<form method="post" action="{{'/admin/messages/templates/%d' % saved.id if saved else '/admin/messages/templates/new'}}" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label{{!' class="has-problem"' if 'name' in problems else ''}}>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}" required>
      % if 'name' in problems:
      <span class="field-problem">{{problems['name']}}</span>
      % end
    </label>
    <label{{!' class="has-problem"' if 'language' in problems else ''}}>{{_('Written in')}}
      <select name="language">
        <option value="zh"{{!' selected' if typed['language'] == 'zh' else ''}}>中文</option>
        <option value="en"{{!' selected' if typed['language'] == 'en' else ''}}>English</option>
      </select>
      % if 'language' in problems:
      <span class="field-problem">{{problems['language']}}</span>
      % end
    </label>
  </div>
  <label class="stacked-label{{' has-problem' if 'text' in problems else ''}}">{{_('Text')}}
    <textarea name="text" rows="5" maxlength="{{text_limit}}" required>{{typed['text']}}</textarea>
    % if 'text' in problems:
    <span class="field-problem">{{problems['text']}}</span>
    % end
  </label>
  <p class="hint">{{_("Placeholders: $name$, $title$ (Mr/Ms, 先生/女士 by the customer's gender), $company$, $holiday$, $date$; in Chinese $姓名$, $称呼$, $公司$, $节日$, $日期$.")}}</p>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="/admin/messages#templates">{{_('Cancel')}}</a>
  </div>
</form>
% if sample:
<section class="panel">
  <h2>{{_('As a customer receives it')}}</h2>
  <p class="sms-text sms-bubble">{{sample[0]}}</p>
  <p class="muted">{{_('{n} characters, {alphabet}', n=sample[1].characters, alphabet=sample[1].alphabet)}} · {{_.count(sample[1].parts, '{n} part', '{n} parts')}}</p>
</section>
% end
% if saved:
<section class="panel">
  <h2>{{_('Delete')}}</h2>
  % if used_by:
  <p class="muted">{{_('The template is used by {user}: choose another there first.', user=used_by)}}</p>
  % else:
  <form method="post" action="/admin/messages/templates/{{saved.id}}/delete" data-confirm="{{_('Delete this template?')}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit" class="danger">{{_('Delete the template')}}</button>
  </form>
  % end
</section>
% end
