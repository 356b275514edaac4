% rebase('layout.tpl', title=str(status))
<section class="error-page">
  <h1>{{status}}</h1>
  <p>{{message}}</p>
  <p><a href="/">{{_('Back to the start page')}}</a></p>
</section>
