% # The Record / Stop recording button of a line in manual mode (line card, caller's card);
% # app.js keeps it up to date from each line event. call_id: only during that call.
% recording = bool(status is not None and status.recording)
<form class="record-form" method="post" action="/lines/{{line}}/record" data-record-form data-record-line="{{line}}" data-record-call="{{call_id or ''}}"{{!'' if shown else ' hidden'}}>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="command" value="{{'stop' if recording else 'start'}}">
  <button type="submit" class="record-button{{' recording' if recording else ''}}" data-label-start="{{_('Record')}}" data-label-stop="{{_('Stop recording')}}"><span class="record-icon" aria-hidden="true">{{'■' if recording else '●'}}</span><span class="record-label">{{_('Stop recording') if recording else _('Record')}}</span></button>
  <span class="record-state" role="status"></span>
</form>
