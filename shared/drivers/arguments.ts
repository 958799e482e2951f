/**
 * Argument categories: the framings the case is argued in, each recognised by phrases in en, ru, fr and uk.
 * They follow the groups the built-in lexicon's cues were written in (free speech, persecution, privacy,
 * calls for release; accountability, crime, child safety, propaganda), plus fraud. A post can make several
 * arguments; each counts once per post.
 */
export const ARGUMENTS: Record<string, RegExp> = {
  'free speech': /free speech|freedom of (speech|expression)|liberté d.expression|свобод\p{L}* слова/u,
  censorship: /censor|censure|цензур/u,
  'political persecution':
    /politic\p{L}* (arrest|persecution|prisoner|hostage|move|stunt)|politically motivated|persecut|persécut|witch ?hunt|scapegoat|bouc émissaire|chasse aux sorcières|политическ\p{L}* (преследован|заказ|арест)|преследован|політичн\p{L}* (переслідуван|тиск|арешт)|переслідуван|охот\p{L}* на ведьм|полювання на відьом/u,
  'privacy and encryption':
    /privacy|encrypt|backdoor|surveillance|vie privée|chiffr|приватн|конфиденциальн|шифр|бэкдор|бекдор/u,
  'call for release':
    /free ?durov|release (him|durov|pavel)|libérez|свободу ?дурову|освободит|отпуст|звільніть|відпустіть/u,
  accountability:
    /accountab|held responsible|above the law|must (answer|face)|rendre des comptes|responsab|au-dessus des lois|doit répondre|ответственност|выше закона|ответит|відповідальн|вище закону|відповіс/u,
  'crime and drugs': /crime|criminal|drug|traffick|criminel|stupéfiant|trafic|преступ|наркот|злочин/u,
  'child safety':
    /csam|child (abuse|exploitation|sexual|porn)|pédocrimin|pédopornograph|педофил|педофіл|детск\p{L}* порно|дитяч\p{L}* порно/u,
  'fraud and scams': /scam|fraud|arnaque|escroquer|мошенни|шахрай|шахра/u,
  'kremlin and propaganda': /kremlin|fsb|propagand|кремл|фсб|пропаганд/u,
  'refusal to cooperate':
    /refus\p{L}* to (cooperate|co-operate|comply)|refus\p{L}* de (coopérer|collaborer)|отказ\p{L}* сотруднича|відмов\p{L}* (співпрац|співробітни)/u,
};
