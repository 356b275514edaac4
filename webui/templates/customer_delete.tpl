% rebase('layout.tpl', title=_('Delete {name}', name=customer.name), page='customers', main_class='narrow')
<h1>{{_('Delete {name}', name=customer.name)}}</h1>
<p>{{_('This deletes the customer with their {numbers} numbers and {contacts} contact records. It cannot be undone.', numbers=len(customer.numbers), contacts=contact_count)}}</p>
<p class="muted">{{_('Calls and recordings stay in the call log.')}}</p>
<form method="post" action="/customers/{{customer.id}}/delete" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Delete')}}</button>
  <a class="button secondary" href="/customers/{{customer.id}}">{{_('Cancel')}}</a>
</form>
