% # A record's custom values as facts (dt/dd pairs): fields, values (field id -> stored text).
% from firmware.store.custom_fields import shown
% for field in fields:
  % value = values.get(field.id)
  % if value is None and skip_empty:
    % continue
  % end
  <dt>{{field.name}}</dt>
  % if value is None:
  <dd>—</dd>
  % elif field.type == 'link':
  <dd class="wrap"><a href="{{value}}" rel="noopener noreferrer" target="_blank">{{value}}</a></dd>
  % elif field.type == 'yesno':
  <dd>{{_('Yes') if value == 'yes' else _('No')}}</dd>
  % elif field.type == 'memo':
  <dd class="multiline">{{value}}</dd>
  % else:
  <dd>{{shown(field, value)}}</dd>
  % end
% end
