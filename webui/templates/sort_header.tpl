% current = form.sort == key
% next_order = 'asc' if current and form.descending else 'desc'
<th scope="col" data-sort="{{key}}"{{!(' aria-sort="descending"' if form.descending else ' aria-sort="ascending"') if current else ''}}><a href="?{{form.query(sort=key, order=next_order, page=1)}}">{{label}}{{(' ▼' if form.descending else ' ▲') if current else ''}}</a></th>
