% title = scoring.name if scoring else _('New template')
% rebase('layout.tpl', title=title, page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality/templates')
<p class="crumbs"><a href="/quality/templates">{{_('Scoring templates')}}</a></p>
<h1>{{title}}{{' · v%d' % scoring.version if scoring else ''}}</h1>
% notices = {'added': _('The template was added.'), 'saved': _('Saved.'), 'versioned': _('The template is in use: the change was saved as its next version, and the one in use was retired.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if scoring and scoring.retired_at:
<p class="muted">{{_('Retired on {date}: no new task uses it. Its tasks and results keep it as it is.', date=_.date(scoring.retired_at))}}</p>
% else:
% if scoring and scoring.tasks:
<p class="hint">{{_('{n} tasks use this template: saving a change makes its next version.', n=scoring.tasks)}}</p>
% end
<form method="post" action="{{'/quality/templates/%d' % scoring.id if scoring else '/quality/templates/new'}}" class="stacked quality-template-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}" required></label>
  <div class="table-wrap">
  <table class="quality-items">
    <thead><tr><th>#</th><th>{{_('What is checked')}}</th><th>{{_('Weight')}}</th><th>{{_('Highest score')}}</th></tr></thead>
    <tbody>
    % for position, row in enumerate(typed['items'], 1):
      <tr>
        <td>{{position}}</td>
        <td><input name="text" value="{{row['text']}}" maxlength="200" aria-label="{{_('What is checked')}} {{position}}"></td>
        <td><input name="weight" value="{{row['weight']}}" inputmode="decimal" size="5" aria-label="{{_('Weight')}} {{position}}"></td>
        <td><input name="max" value="{{row['max']}}" inputmode="numeric" size="4" aria-label="{{_('Highest score')}} {{position}}"></td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  <p class="hint">{{_('Leave a row empty to leave it out. A weight left empty is 1. Save to get more empty rows.')}}</p>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="/quality/templates">{{_('Cancel')}}</a>
  </div>
</form>
% end
% if scoring:
<section class="panel">
  <h2>{{_('Items and their part of 100')}}</h2>
  <ol>
  % for item in scoring.items:
    <li>{{item.text}} · {{_('{share}% of the total, scored 0 to {most}', share='%g' % round(scoring.share(item), 1), most=item.max_score)}}</li>
  % end
  </ol>
  % if not scoring.retired_at:
  <div class="row">
    <a class="button secondary" href="/quality/tasks/new?template={{scoring.id}}">{{_('New task with this template')}}</a>
    <form method="post" action="/quality/templates/{{scoring.id}}/retire" class="inline" data-confirm="{{_('Retire this template?')}}">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="secondary">{{_('Retire')}}</button>
    </form>
  </div>
  % end
</section>
% end
