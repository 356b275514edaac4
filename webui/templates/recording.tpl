% rebase('layout.tpl', title=_('Recording'), page='recordings')
% from urllib.parse import quote
% recording, call = row.recording, row.call
<p class="back"><a href="/recordings">← {{_('Recordings')}}</a></p>
<h1>{{_('Recording')}} · {{_.datetime(recording.started_at, seconds=True)}}</h1>
% if saved:
<p class="notice" role="status">{{_('Saved.')}}</p>
% end
% if hold_notice:
<p class="notice" role="status">{{_({'on': 'Protected: retention will not delete it.', 'off': 'The protection was removed.', 'unchanged': 'Nothing changed: it was already so.'}[hold_notice])}}</p>
% end
% deleted = recording.state == 'deleted'
% if deleted:
<p class="problem tombstone" role="status">{{_('Deleted by retention on {date}: {reason}.', date=_.datetime(recording.deleted_at), reason=delete_reason)}} {{_('The file and its sidecar are gone; the index keeps what it was.')}}</p>
% end
% if hold.held:
<p class="hold-mark"><span class="badge protected">{{_('Protected (legal hold)')}}</span>
  <span class="muted">{{', '.join(([_('this recording')] if hold.recording else []) + ([_('its whole call')] if hold.call else []) + [_('customer {name}', name=name) for customer_id, name in hold.customers])}}</span></p>
% end
<section class="player-box">
  % locked = bool(recording.stored_encrypted) and ctx.deps.recordings_key() is None
  % if locked and recording.state not in ('missing', 'deleted'):
  <p class="notice key-locked" role="status">{{_('Recordings are encrypted; the key is locked: playing and exporting wait for the passphrase.')}}</p>
  % elif ctx.can('recordings_listen') and recording.state not in ('missing', 'deleted'):
  <audio class="player" controls preload="none" src="/recordings/{{recording.id}}/audio">
    {{_('This browser cannot play audio.')}}
  </audio>
  % if marks and recording.samples:
  <div class="timeline" data-timeline aria-hidden="true">
    % for mark in marks:
    <span class="timeline-mark mark-{{mark.kind}}" data-start="{{mark.start_s}}" data-end="{{mark.end_s}}" data-length="{{recording.samples / 8000}}"></span>
    % end
  </div>
  % end
  % if recording.state == 'recording':
  <p class="muted small">{{_('Still being recorded: it plays as far as it has got. Reload for more.')}}</p>
  % end
  % end
  % listening = not locked and ctx.can('recordings_listen') and recording.state not in ('missing', 'deleted')
  % for mark in marks:
  <p class="recording-mark" data-mark="{{mark.kind}}">{{_('Announcement played {start}–{end}', start=_.duration(mark.start_s), end=_.duration(mark.end_s))}}
    % if listening:
    <button type="button" class="secondary" data-skip-to="{{mark.end_s}}">{{_('Skip the announcement')}}</button>
    % end
  </p>
  % end
  <p class="actions">
    % if ctx.can('recordings_download') and recording.state not in ('missing', 'deleted') and not locked:
    <a class="button secondary" href="/recordings/{{recording.id}}/download" download>{{_('Download original') if recording.stored_format == 'wav' else _('Download as stored (Ogg Opus)')}}</a>
    % if recording.state != 'recording':
    <a class="button secondary" href="/recordings/{{recording.id}}/download/wav" download>{{_('Download as WAV')}}</a>
    % end
    % end
    % if ctx.can('audit'):
    <a class="button secondary" href="/recordings/{{recording.id}}/verify">{{_('Verify integrity')}}</a>
    % end
  </p>
  % if ctx.can('recordings_download') and recording.state not in ('missing', 'deleted', 'recording') and not locked:
  <p class="other-formats small">{{_('Other formats:')}}
    % for index, key in enumerate(('alaw', 'ima_adpcm', 'gsm610', 'vox')):
    {{'·' if index else ''}} <a href="/recordings/{{recording.id}}/download/{{key}}" download>
    % include('format_name.tpl', key=key)
    </a>
    % end
  </p>
  % end
</section>
% if verification:
% verdict, checked = verification['verdict'], verification['chain']
<section class="verification verdict-{{verdict}}" aria-live="polite">
  <h2>{{_('Integrity check')}}</h2>
  <p class="{{'problem' if verification['problem'] else 'notice'}}">{{_({'intact': 'The file is intact: its SHA-256 is the one recorded in the index, the sidecar and the hash chain.', 'changed': 'The file has changed since it was recorded: its SHA-256 is not the one recorded.', 'missing': 'The file is missing.', 'recording': 'Still being recorded: there is no final SHA-256 to compare yet.', 'deleted': 'Retention deleted the file: there is nothing to check. The index keeps its SHA-256.', 'deleted_untold': 'The index says retention deleted the file, but the hash chain holds no tombstone for it.', 'metadata': 'The index no longer says about this recording what the hash chain says.', 'unchained': 'The recording is not in the hash chain yet: there is nothing to prove it by.', 'after_break': "The hash chain is broken before this recording's entry: it proves nothing about it."}[verdict])}}</p>
  <ul class="findings">
  % for text in verification['texts']:
    <li>{{text}}</li>
  % end
  </ul>
  <dl class="facts hashes">
    <dt>{{_('File now')}}</dt><dd><code>{{verification['file'] or '—'}}</code></dd>
    <dt>{{_('Index')}}</dt><dd><code>{{verification['index'] or '—'}}</code></dd>
    <dt>{{_('Sidecar')}}</dt><dd><code>{{verification['sidecar'] or '—'}}</code></dd>
    <dt>{{_('Hash chain')}}</dt><dd><code>{{verification['chain_sha256'] or '—'}}</code>{{(' · ' + _('entry {n}', n=verification['entry'])) if verification['entry'] else ''}}</dd>
    % if verification.get('encrypted'):
    <dt>{{_('Decrypted')}}</dt><dd>{{_({'intact': "The plaintext's SHA-256 is the one recorded.", 'changed': "The plaintext's SHA-256 is not the one recorded.", 'locked': 'Not checked: the key is locked.', 'undecryptable': 'The file does not decrypt: cut short or changed.'}[verification['plaintext']])}}</dd>
    % end
  </dl>
  <h3>{{_('Hash chain')}}</h3>
  <ul class="{{'chain-findings' if checked['intact'] else 'chain-findings problem'}}">
  % for text in checked['problems'] + checked['notes']:
    <li>{{text}}</li>
  % end
  </ul>
  <p class="muted small">{{_("The box's signing key: {fingerprint}", fingerprint=checked['key_shown'])}}</p>
</section>
% end
<dl class="facts">
  <dt>{{_('Line')}}</dt><dd>{{_('Line {n}', n=recording.line)}}{{' · ' + line_name if line_name else ''}}</dd>
  % if call:
  <dt>{{_('Call')}}</dt><dd>{{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, ''))}} · {{_(outcomes.get(call.outcome, call.outcome))}}</dd>
  <dt>{{_('Number')}}</dt><dd>
    % if call.number:
    <span class="number">{{call.number}}</span> <a class="small" href="/calls?number={{quote(call.number)}}">{{_('Calls of this number')}}</a>
    % elif call.reason_absent:
    {{_('Number withheld')}}
    % end
  </dd>
  % if call.name:
  <dt>{{_('Caller ID name')}}</dt><dd>{{call.name}}</dd>
  % end
  % location = call.location_zh if _.language == 'zh-CN' else call.location_en
  % carrier = call.carrier_zh if _.language == 'zh-CN' else call.carrier_en
  % if location or carrier:
  <dt>{{_('Location')}}</dt><dd>{{location or ''}}{{' · ' + carrier if carrier else ''}}</dd>
  % end
  % if row.customer_id:
  <dt>{{_('Customer')}}</dt><dd><a href="/customers/{{row.customer_id}}">{{row.customer_name}}</a></dd>
  % end
  <dt>{{_('Call started')}}</dt><dd>{{_.datetime(call.started_at, seconds=True)}}</dd>
  % if call.duration_s:
  <dt>{{_('Talk time')}}</dt><dd>{{_.duration(call.duration_s)}}</dd>
  % end
  % if call.survey:
  <dt>{{_('Survey')}}</dt><dd class="survey-score">{{_('{n} of 5', n=call.survey)}}</dd>
  % end
  % end
  <dt>{{_('Length')}}</dt><dd>{{_.duration(recording.samples / 8000)}}</dd>
  % recorded_as = _({'alaw': 'A-law', 'ulaw': 'mu-law', 'pcm16': 'PCM 16-bit'}.get(recording.encoding, recording.encoding))
  % if recording.stored_format == 'opus':
  <dt>{{_('Stored as')}}</dt><dd>{{_('Ogg Opus, {kbps} kbit/s ({tier})', kbps='{:g}'.format(recording.stored_bitrate_kbps or 0), tier=_({'standard': 'standard tier', 'archive': 'long-archive tier'}.get(recording.stored_tier, recording.stored_tier or '')))}} · {{_('compressed {when}', when=_.datetime(recording.stored_at)) if recording.stored_at else ''}}</dd>
  <dt>{{_('Recorded as')}}</dt><dd>{{recorded_as}} · 8 kHz</dd>
  % else:
  <dt>{{_('Stored as')}}</dt><dd>{{recorded_as}} · 8 kHz</dd>
  % end
  % if recording.stored_encrypted:
  <dt>{{_('Encrypted at rest')}}</dt><dd>{{_('key {key}', key=recording.stored_encrypted)}}</dd>
  % end
  % if recording.state != 'complete':
  <dt>{{_('State')}}</dt><dd>{{_({'recording': 'Recording now', 'repaired': 'Repaired', 'missing': 'File missing', 'deleted': 'Deleted by retention'}.get(recording.state, recording.state))}}</dd>
  % end
  % if recording.state != 'recording':
  <dt>{{_('Backed up off the box')}}</dt><dd>{{_.datetime(recording.backed_up_at) if getattr(recording, 'backed_up_at', None) else _('Not yet')}}</dd>
  % end
  % if ctx.can('audit') and recording.sha256:
  <dt>SHA-256{{(' · ' + _('the original')) if recording.stored_format != 'wav' else ''}}</dt><dd><code class="hash">{{recording.sha256}}</code></dd>
  % if (recording.stored_format != 'wav' or recording.stored_encrypted) and recording.stored_sha256:
  <dt>SHA-256 · {{_('the stored file')}}</dt><dd><code class="hash">{{recording.stored_sha256}}</code></dd>
  % end
  % end
</dl>
% if may_hold:
<section class="panel hold-controls">
  <h2>{{_('Legal hold')}}</h2>
  <p class="hint">{{_('A protected recording is never deleted by retention, whatever its age or the free space. Every change is written to the audit log.')}}</p>
  <div class="row">
  % if not deleted:
  <form method="post" action="/recordings/{{recording.id}}/hold" class="inline">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="what" value="recording">
    <input type="hidden" name="on" value="{{'no' if hold.recording else 'yes'}}">
    <button type="submit" class="secondary">{{_('Remove protection of this recording') if hold.recording else _('Protect this recording')}}</button>
  </form>
  % end
  % if call:
  <form method="post" action="/recordings/{{recording.id}}/hold" class="inline">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="what" value="call">
    <input type="hidden" name="on" value="{{'no' if hold.call else 'yes'}}">
    <button type="submit" class="secondary">{{_('Remove protection of the whole call') if hold.call else _('Protect the whole call')}}</button>
  </form>
  % end
  </div>
</section>
% end
% if ctx.can('recordings_listen') and not deleted:
<form method="post" action="/recordings/{{recording.id}}/notes" class="stacked notes-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Tags')}} <input name="tags" maxlength="700" list="known-tags" value="{{', '.join(row.tags)}}" placeholder="{{_('comma between tags')}}"></label>
  <datalist id="known-tags">
  % for tag in known_tags:
    <option value="{{tag}}">
  % end
  </datalist>
  <label>{{_('Notes')}} <textarea name="notes" rows="4" maxlength="4000">{{row.notes}}</textarea></label>
  <button type="submit">{{_('Save')}}</button>
</form>
% else:
  % if row.tags:
  <p>{{_('Tags')}}: {{', '.join(row.tags)}}</p>
  % end
  % if row.notes:
  <p class="notes">{{row.notes}}</p>
  % end
% end
