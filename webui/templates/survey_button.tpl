% # The Survey button of a line (line card, caller's card): shown during an answered call
% # while the box does nothing of its own on the line; app.js keeps it up to date.
<form class="survey-form" method="post" action="/lines/{{line}}/survey" data-survey-form data-survey-line="{{line}}" data-survey-call="{{call_id or ''}}"{{!'' if shown else ' hidden'}}>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="secondary survey-button">{{_('Survey')}}</button>
  <span class="survey-state" role="status"></span>
</form>
