{{_({'stored': 'As stored', 'wav': 'WAV, 16-bit PCM', 'alaw': 'WAV, G.711 A-law', 'ima_adpcm': 'WAV, IMA ADPCM', 'gsm610': 'WAV, GSM 6.10', 'vox': 'VOX, Dialogic ADPCM (raw, 8 kHz)'}[key])}}
