/* Material's search worker, with the words of a query made forgiving before it is searched.
   The build puts this file in place of Material's worker and keeps Material's own beside it
   (search.<hash>.material.min.js); see macros/site/search_worker.py.

   Material searches every word of a query as the start of a word ("screens" finds "screens*"),
   and does not reduce the query's words to their stems. So "screens" missed "screening", and
   "in" or "of" in a question ("peer worker in crisis", "out of hours") matched any word that
   starts with them ("insurance", "offer"). Here each word is reduced to its stem ("screen",
   "referr") and common words are left out, unless the query is nothing but common words; and
   results with the query's words side by side rank first. */
(function () {
  "use strict";
  var own = self.document && document.currentScript ? document.currentScript.src : self.location.href;
  var material = own.replace(/(\.min)?\.js(\?.*)?$/, ".material.min.js");

  function forgiving(query) {
    var lunr = self.lunr;
    if (typeof query !== "string" || !lunr || !lunr.stemmer || !lunr.stopWordFilter) {
      return query;
    }
    var words = query.trim().split(/\s+/);
    // quoted phrases and lunr's own syntax (+word, -word, field:word, word~1) are left alone
    if (/["+\-:~^*]/.test(query)) {
      return query;
    }
    var kept = [];
    words.forEach(function (word) {
      var plain = word.toLowerCase().replace(/^[^\w]+|[^\w]+$/g, "");
      if (!plain || lunr.stopWordFilter(plain) === undefined) {
        return;
      }
      var stem = String(lunr.stemmer(new lunr.Token(plain, {})));
      // a stem may end in a letter the word does not have ("happy" -> "happi"); keep the
      // longest start the stem and the word share, so the word itself still matches
      var common = 0;
      while (common < stem.length && stem[common] === plain[common]) {
        common++;
      }
      kept.push(common >= 3 ? plain.slice(0, common) : plain);
    });
    return kept.length ? kept.join(" ") : query;
  }

  // Pages that hold the query's words side by side, as typed ("out of hours"), come first:
  // word-by-word matching alone ranks a page about "hours" above one that says "out of hours".
  var lastQuery = "";

  function phraseOf(query) {
    // each word may run on ("outcome measure" is also "outcome measurement")
    var words = String(query).toLowerCase().match(/[a-z0-9]+/g) || [];
    return words.length > 1 ? new RegExp(" " + words.join("[a-z0-9]* ") + "[a-z0-9]* ") : null;
  }

  function plainText(html) {
    return " " + String(html || "").replace(/<[^>]*>/g, " ").toLowerCase().replace(/[^a-z0-9]+/g, " ") + " ";
  }

  function phraseFirst(result, query) {
    var phrase = phraseOf(query);
    if (!phrase || !result || !Array.isArray(result.items)) {
      return result;
    }
    var best = function (group) {
      return Math.max.apply(null, group.map(function (section) { return section.score || 0; }));
    };
    var top = result.items.length ? Math.max.apply(null, result.items.map(best)) : 0;
    var ranked = result.items.map(function (group, index) {
      // (a page that only just matched is not lifted: it must score a twentieth of the best one)
      var has = best(group) >= top / 20 && group.some(function (section) {
        return phrase.test(plainText(section.title) + plainText(section.text));
      });
      return { group: group, has: has, index: index };
    });
    // a stable sort: within each kind, Material's own order stays
    ranked.sort(function (a, b) { return (b.has - a.has) || (a.index - b.index); });
    result.items = ranked.map(function (r) { return r.group; });
    return result;
  }

  var post = self.postMessage;
  self.postMessage = function (message) {
    if (message && message.type === 3) {
      message = { type: 3, data: phraseFirst(message.data, lastQuery) };
    }
    return post.apply(self, [message].concat([].slice.call(arguments, 1)));
  };

  var add = self.addEventListener.bind(self);
  self.addEventListener = function (type, listener, options) {
    if (type !== "message") {
      return add(type, listener, options);
    }
    return add(type, function (event) {
      var message = event.data;
      if (message && message.type === 2) {
        lastQuery = message.data;
        event = { data: { type: 2, data: forgiving(message.data) } };
      }
      return listener(event);
    }, options);
  };
  importScripts(material);
})();
