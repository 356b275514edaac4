% # How far a call the box places on the line got (LineStatus.dial): the line card's
% # (call_id None: whatever the line's call) or a caller's card's; app.js keeps it up to date.
% from webui.i18n import DIAL_STAGES
<span class="dial-stage" data-dial-line="{{line}}" data-dial-call="{{call_id or ''}}"
  % for key in DIAL_STAGES:
  data-dial-{{key.replace('_', '-')}}="{{_.dial_stage(key)}}"
  % end
  {{!'' if stage else 'hidden'}}>{{_.dial_stage(stage) if stage else ''}}</span>
