% for part, mark in segments:
% if mark:
<mark>{{part}}</mark>\\
% else:
{{part}}\\
% end
% end
