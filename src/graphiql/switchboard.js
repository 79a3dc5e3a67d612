// Switchboard's GraphiQL wiring: HTTP for queries and mutations, graphql-transport-ws
// for subscriptions, and the bearer token carried from the URL fragment into the
// headers editor (a fragment never reaches the server or its logs).
(function () {
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var token = fragment.get('token');
  if (token) {
    window.localStorage.setItem('switchboard:token', token);
    window.history.replaceState(null, '', window.location.pathname);
  }
  var saved = window.localStorage.getItem('switchboard:token');
  var defaultHeaders = saved
    ? JSON.stringify({ Authorization: 'Bearer ' + saved }, null, 2)
    : JSON.stringify({ Authorization: 'Bearer <paste a token here>' }, null, 2);

  var wsUrl = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + '/graphql/ws';
  var clients = {};
  function wsClient(auth) {
    if (!clients[auth]) {
      clients[auth] = graphqlWs.createClient({ url: wsUrl, connectionParams: { Authorization: auth }, lazy: true });
    }
    return clients[auth];
  }

  function isSubscription(params) {
    var text = (params.query || '').replace(/#[^\n\r]*/g, '');
    if (params.operationName) {
      return new RegExp('subscription\\s+' + params.operationName + '\\b').test(text);
    }
    return /^\s*subscription\b/.test(text);
  }

  function fetcher(params, opts) {
    var headers = Object.assign({ 'Content-Type': 'application/json', Accept: 'application/json' }, (opts && opts.headers) || {});
    var auth = headers.Authorization || headers.authorization || '';
    if (isSubscription(params)) {
      return {
        subscribe: function (observer) {
          var dispose = wsClient(auth).subscribe(params, {
            next: function (value) { observer.next(value); },
            error: function (err) { observer.error(err); },
            complete: function () { observer.complete(); }
          });
          return { unsubscribe: dispose };
        }
      };
    }
    return fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify(params) })
      .then(function (res) { return res.json(); });
  }

  var defaultQuery = [
    '# Welcome to Switchboard. Your token is in the Headers tab below.',
    '#',
    '# Open a second tab with a `subscription { messageAdded(chatId: "...") { content author { name } } }`,',
    '# then send a message here with `sendMessage` and watch it arrive.',
    '',
    'query Overview {',
    '  me { id name }',
    '  chats(first: 10) {',
    '    edges { node { id name kind unreadCount',
    '      messages(first: 3) { edges { node { id content author { name } reactions { emoji count } } } } } }',
    '  }',
    '}',
    ''
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: defaultHeaders,
    defaultQuery: defaultQuery,
    headerEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: 'headers'
  }));
})();
