% from webui.pages.memos import customer_memos
% mine = customer_memos(ctx, customer.id)
<section class="panel" id="memos">
  <div class="page-head">
    <h2>{{_('My memos')}}</h2>
    <div class="actions"><a class="button secondary" href="/memos?customer={{customer.id}}">{{_('Add a memo')}}</a></div>
  </div>
  % if mine:
  <ol class="memo-list">
  % include('memo_rows.tpl', rows=mine, now=ctx.deps.clock(), back='/customers/%d' % customer.id)
  </ol>
  % else:
  <p class="muted">{{_('No memos of yours about this customer.')}}</p>
  % end
</section>
