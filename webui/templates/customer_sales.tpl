<section class="panel customer-sales" id="sales">
  <h2>{{_('Opportunities')}}</h2>
  <div class="row">
    <a class="button secondary" href="/sales/new?customer={{customer.id}}">{{_('New opportunity')}}</a>
    <a class="button secondary" href="/orders/new?customer={{customer.id}}">{{_('New order')}}</a>
  </div>
  % if sales['opportunities']:
  <ul class="opportunities">
  % for opportunity in sales['opportunities']:
    <li><a href="/sales/{{opportunity.id}}">{{opportunity.title}}</a> · {{sales['stage_label'](opportunity.stage)}} · {{sales['money'](opportunity.amount_cents)}}
      <details>
        <summary>{{_('Add follow-up')}}</summary>
        <form method="post" action="/sales/{{opportunity.id}}/followups" class="stacked">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="back" value="customer">
          <label>{{_('Date')}} <input type="date" name="on_day" value="{{sales['today']}}" required></label>
          <label>{{_('What happened')}} <textarea name="text" rows="2" maxlength="{{sales['text_limit']}}" required></textarea></label>
          <label>{{_('Next step')}} <input name="next_step" maxlength="{{sales['next_step_limit']}}"></label>
          <div class="row"><button type="submit">{{_('Add follow-up')}}</button></div>
        </form>
      </details>
    </li>
  % end
  </ul>
  % else:
  <p class="muted">{{_('No opportunities yet.')}}</p>
  % end
  <h2>{{_('Orders')}}</h2>
  % if sales['orders']:
  <ul class="orders">
  % for order in sales['orders']:
    <li><a href="/orders/{{order.id}}">#{{order.id}}</a> · {{order.ordered_on}} · {{sales['state_label'](order.state)}} · {{sales['money'](order.total_cents)}}</li>
  % end
  </ul>
  <p><a href="/orders?customer={{customer.id}}">{{_('All orders of this customer')}}</a></p>
  % else:
  <p class="muted">{{_('No orders yet.')}}</p>
  % end
</section>
