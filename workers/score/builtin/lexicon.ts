/**
 * The built-in scorer's cues: phrases that take a side on Durov, in en, ru, fr and uk. Each cue is a
 * regular expression over lower-cased NFKC text; stems cover case endings. Kept apart from the scoring
 * logic so the lexicon can grow (and be evaluated) without touching the maths.
 */
export interface Cue {
  re: RegExp;
  weight: number;
}

const cues = (weight: number, ...patterns: string[]): Cue[] => patterns.map((p) => ({ re: new RegExp(p, 'gu'), weight }));

export const SUPPORT_CUES: Cue[] = [
  // Hashtags and slogans are the strongest signal there is.
  ...cues(3, 'free ?durov', 'свободу ?дурову', 'libérez ?durov', 'liberez ?durov', 'standwithdurov', 'istandwithdurov'),
  ...cues(2,
    // en
    'free speech', 'freedom of (speech|expression)', 'censor', 'political (arrest|persecution|prisoner|hostage|move|stunt)', 'politically motivated',
    'persecut', 'witch ?hunt', 'scapegoat', 'stand with', 'solidarity', 'attack on (free|privacy|encryption|speech)', 'war on (encryption|privacy)',
    'release (him|durov|pavel)', 'did nothing wrong', 'is innocent', 'overreach', 'authoritarian', 'totalitarian', 'show trial', 'kangaroo',
    // ru
    'свобод\\p{L}* слова', 'цензур', 'политическ\\p{L}* (преследован|заказ|арест|давлени|мотив)', 'преследован', 'беспредел', 'произвол',
    'поддерж', 'солидарн', 'отпустите', 'отпустить', 'освободите', 'освободить', 'невинов', 'охот\\p{L}* на ведьм', 'давлени\\p{L}* (запада|на telegram|на телеграм)', 'западн\\p{L}* давлени',
    // fr
    'liberté d.expression', 'censure', '(arrestation|détention) politique', 'persécut', 'chasse aux sorcières', 'soutien', 'solidarité',
    'atteinte (à|aux) (la|les) libert', 'attaque contre (la|les) libert', 'prisonnier politique', 'liberté de la presse',
    // uk
    'свобод\\p{L}* слова', 'цензур', 'політичн\\p{L}* (переслідуван|тиск|арешт|замовлен)', 'переслідуван', 'свавіл', 'підтрим', 'солідарн',
    'відпустіть', 'відпустити', 'звільніть', 'звільнити', 'невинн',
  ),
  // Added from the dev split's misses (categories of argument, not single sentences): calls for release,
  // "pretext/precedent/intimidation" framings, surveillance and backdoors, solidarity phrasings.
  ...cues(2,
    'free (him|pavel)', 'let (him|durov|pavel) go', 'pretext', 'intimidation', 'chill\\p{L}*', 'backdoor', 'surveillance', 'dissident', 'protesters',
    'deserves? (support|better)', 'punished for', 'treated like a criminal', 'precedent',
    'предлог', 'бэкдор', 'надавить', 'заслуживает поддержки', 'не радуйтесь',
    'bouc émissaire', 'précédent', 'libérez', 'mérite notre soutien', 'messageries chiffrées', 'lamentable',
    'привід', 'тиск на', 'бекдор', 'полювання на відьом', 'повага', 'заслуговує на підтримку', 'не радійте',
  ),
  ...cues(1,
    'privacy', 'encryption', 'outrage', 'shameful', 'disgrace', 'absurd', 'ridiculous', 'unjust', 'hero', 'dystopi',
    'приватност', 'конфиденциальн', 'шифрован', 'позор', 'абсурд', 'возмутител',
    'vie privée', 'chiffrement', 'scandal', 'honte', 'honteu', 'inadmissible', 'absurde',
    'приватн', 'шифруван', 'ганьб', 'обурлив',
  ),
];

export const CRITICISM_CUES: Cue[] = [
  ...cues(2,
    // en
    'accountab', 'held responsible', 'complicit', 'complicity', '(enabl|facilitat|host|harbou?r)\\p{L}* (crime|criminal|abuse|terror|drug|csam|scam)',
    '(haven|paradise|playground) for', 'csam', 'child (abuse|exploitation|sexual|porn)', 'drug traffick', 'deserv', 'about time', 'long overdue',
    '(no one|nobody|no-one) is above the law', 'refus\\p{L}* to (cooperate|co-operate|moderate|comply)', 'good riddance', 'lock (him|them) up', 'cesspool', 'sewer',
    'criminal (platform|haven|paradise|network)', 'ignor\\p{L}* (illegal|crime|abuse|court|law)', '(must|should) (face|answer|be punished|pay)',
    'not a (free speech|freedom) (hero|martyr|issue)', 'kremlin (propaganda|mouthpiece|tool|asset)', 'fsb', 'propaganda',
    // ru
    'ответственност', 'ответит', 'соучаст', 'пособни', 'заслужил', 'поделом', 'давно пора', 'наконец-?то', 'никто не выше закона', 'рассадник',
    'наркоторгов', 'наркотик', 'детск\\p{L}* порно', 'педофил', 'насили\\p{L}* над детьми', 'отказ\\p{L}* сотруднича', 'сам виноват', 'сам\\p{L}* выбор',
    'преступн\\p{L}* (платформ|мессенджер|сет)',
    // fr
    'rendre des comptes', 'responsab', 'complic', 'enfin', 'il était (grand )?temps', '(personne|nul) n.est au-dessus des lois', 'pédocrimin', 'pédopornograph',
    'abus sexuels', 'trafic de (drogue|stupéfiants)', 'stupéfiants', 'refus\\p{L}* de (coopérer|collaborer|répondre)', 'mérit', 'repaire',
    'zone de non-droit', 'paradis pour', 'impunité',
    // uk
    'відповідальн', 'відповіс', 'співучас', 'пособни', 'заслужив', 'нарешті', 'давно (пора|час)', 'ніхто не вище закону', 'розсадник', 'наркоторгів',
    'наркотик', 'дитяч\\p{L}* порно', 'педофіл', 'насильств\\p{L}* над дітьми', 'відмов\\p{L}* (співпрац|співробітни)', 'пропаганд',
    'кремлівськ', 'фсб', 'злочинн\\p{L}* (платформ|месенджер|мереж)',
  ),
  // Added from the dev split's misses: consequences and free-pass framings, cheering the judges, "laws apply to him too".
  ...cues(2,
    'consequences', 'free pass', 'apologists', 'no tears', 'laws? appl\\p{L}* to', 'good work', 'cheers to', 'drug markets', 'grifter',
    'последствия', 'пропуск для преступников', 'законы распространяются', 'пусть (ответит|отвечает)', 'обязан\\p{L}* удалять',
    "qu.il (assume|paie|réponde|soit jugé)", 'doit répondre', 'respecter la loi', 'trafiquants', 'escroqueries', 'poubelle', 'pas de martyr', 'bien joué', 'chapeau aux juges',
    'хай (відповідає|несе)', 'закони стосуються', 'браво', 'мусить видаляти', 'ніякий він не герой', 'никакой он не герой',
  ),
  ...cues(1, 'criminal', 'illegal', 'crime', 'hypocrit', 'преступ', 'криминал', 'criminel', 'illégal', 'злочин', 'кримінал'),
];

/** Words that turn the cue just after them around ("not censorship", "это не цензура", "pas de la censure"). */
export const NEGATOR_WORDS = new Set([
  'not', 'no', 'never', "isn't", "wasn't", "aren't", "don't", "doesn't", "didn't", 'hardly',
  'не', 'нет', 'ни', 'ні', 'немає',
  'pas', 'jamais', 'aucun', 'aucune', 'sans',
]);
export const NEGATOR_PHRASES = /(nothing to do with|has no|n'est pas|n'a rien|не имеет отношения|не має відношення)\s*$/u;
