"""What differs from country to country: the profiles (tone plan, ring cadence, caller-ID
standard, DTMF limits, local time; ``profiles``), phone numbers, their forms and where
they are from (``numbers``), and the call-progress tone detector and generator built from
a profile's plan (``tones``)."""
