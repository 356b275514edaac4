% # The Call button (click-to-dial) for one number: a customer's (customer_id and number) or
% # a call's in the log (call_id). The box dials on the user's line; app.js sends it.
% from webui.pages.dial import dial_lines
% lines = dial_lines(ctx) if ctx.can('dial') else []
% if lines:
<form class="dial-form" method="post" action="/dial" data-dial-form>
  <input type="hidden" name="csrf" value="{{csrf}}">
  % if get('call_id'):
  <input type="hidden" name="call_id" value="{{call_id}}">
  % else:
  <input type="hidden" name="customer_id" value="{{customer_id}}">
  <input type="hidden" name="number" value="{{number}}">
  % end
  % if len(lines) > 1:
  <select name="line" aria-label="{{_('Call from')}}">
    % for line in lines:
    <option value="{{line}}">{{_('Line {n}', n=line)}}</option>
    % end
  </select>
  % end
  <button type="submit" class="secondary dial-button">{{_('☎ Call')}}</button>
  <span class="dial-state" role="status"></span>
</form>
% end
