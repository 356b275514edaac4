% # A list's "Columns" form: action, choices (webui.pages.list_columns.Column), fixed (its key).
<details class="list-columns">
  <summary>{{_('Columns')}}</summary>
  <form method="post" action="{{action}}" class="columns-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p class="hint">{{_('Tick the columns to show and number their order; only you see this choice.')}}</p>
    <table class="columns-choice">
      <thead><tr><th>{{_('Show')}}</th><th>{{_('Column')}}</th><th>{{_('Order')}}</th></tr></thead>
      <tbody>
      % for index, column in enumerate(choices, start=1):
        <tr>
          <td><input type="checkbox" name="show" value="{{column.key}}" id="column-{{column.key}}"{{!' checked' if column.shown else ''}}{{!' disabled' if column.key == fixed else ''}} aria-label="{{column.heading}}"></td>
          <td><label for="column-{{column.key}}">{{column.heading}}</label></td>
          <td><input type="number" name="order_{{column.key}}" value="{{index if column.shown else ''}}" min="1" max="99" class="order-input" aria-label="{{_('Order')}}: {{column.heading}}"></td>
        </tr>
      % end
      </tbody>
    </table>
    <input type="hidden" name="show" value="{{fixed}}">
    <div class="row">
      <button type="submit">{{_('Save columns')}}</button>
      <button type="submit" name="reset" value="yes" class="secondary">{{_('Reset to the default')}}</button>
    </div>
  </form>
</details>
