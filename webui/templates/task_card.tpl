% # A dialling task's part of the caller's card (webui.pages.task_pop.TaskCard).
% from webui.pages.dial_tasks import RESULT_NAMES
% result = card.attempt.result
<div class="task-card{{' holding' if card.holding else ''}}" data-live="task">
  % if card.holding:
  <p class="task-alert" role="alert">{{_('A person answered: pick up the phone of line {n} now.', n=line)}}</p>
  % elif result == 'handed_over':
  <p class="task-state">{{_("The operator's phone took the call.")}}</p>
  % elif result == 'human':
  <p class="task-state warn-text">{{_('Nobody picked up in time: the box hung up. The task calls the number again by its rules.')}}</p>
  % elif result:
  <p class="task-state">{{_(RESULT_NAMES.get(result, result))}}</p>
  % else:
  <p class="task-state muted">{{_('The box is calling for a dialling task.')}}</p>
  % end
  <p class="task-name">{{_('Dialling task')}}: <a href="/tasks/{{card.task.id}}">{{card.task.name}}</a></p>
  % if card.number.name or card.number.note:
  <p class="task-number">{{card.number.name}}
  % if card.number.note:
    <span class="muted">· {{card.number.note}}</span>
  % end
  </p>
  % end
  % if card.task.script:
  <details class="task-script" open>
    <summary>{{_('Call script')}}</summary>
    <p class="multiline">{{card.task.script}}</p>
  </details>
  % end
</div>
