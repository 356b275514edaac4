% rebase('layout.tpl', title=_('Opportunities'), page='sales', styles=['sales.css'], scripts=['sales_pipeline.js'])
<div class="page-head">
  <h1>{{_('Opportunities')}}</h1>
  <div class="actions">
    <a class="button" href="/sales/new">{{_('New opportunity')}}</a>
    % if mine:
    <a class="button secondary" href="/sales">{{_('Everyone you see')}}</a>
    % else:
    <a class="button secondary" href="/sales?mine=1">{{_('Only mine')}}</a>
    % end
  </div>
</div>
% if notice == 'moved':
<p class="notice" role="status">{{_('Saved.')}}</p>
% end
<p class="hint">{{_('Move a card with its Move button, or drag it to another stage.')}}</p>
<div class="pipeline">
% for stage, label in stages:
  % count, total = totals[stage]
  <section class="stage stage-{{stage}}" id="stage-{{stage}}" data-stage="{{stage}}">
    <h2>{{_(label)}} <span class="muted">{{count}}</span></h2>
    <p class="stage-total">{{money(total)}}</p>
    % for card in staged[stage]:
    <article class="opportunity-card" data-opportunity="{{card.id}}">
      <a href="/sales/{{card.id}}" class="card-title">{{card.title}}</a>
      <p class="muted">{{card.customer_name}}</p>
      <p><strong>{{money(card.amount_cents)}}</strong>{{' · ' if card.close_on else ''}}<span class="nowrap" title="{{_('Expected close')}}">{{card.close_on or ''}}</span></p>
      <p class="muted">{{card.owner_name or '—'}}</p>
      <form method="post" action="/sales/{{card.id}}/stage" class="move">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="back" value="pipeline">
        <select name="stage" aria-label="{{_('Move to')}}">
          % for other, other_label in stages:
          <option value="{{other}}"{{!' selected' if other == stage else ''}}>{{_(other_label)}}</option>
          % end
        </select>
        <button type="submit" class="secondary">{{_('Move')}}</button>
      </form>
    </article>
    % end
    % if count > len(staged[stage]):
    <p class="muted">{{_('{n} more not shown', n=count - len(staged[stage]))}}</p>
    % end
  </section>
% end
</div>
