#!/usr/bin/env python3
"""Reference values for report/stats_test.go, computed without scipy or gonum.

Run: python3 report/testdata/stats_reference.py
The Student-t CDF is Simpson's rule on the density (math.lgamma only),
quantiles are found by bisection on that CDF; Welch's test and the log-ratio
test are written out from their textbook formulas.
"""
import math
def tpdf(x, v):
    return math.exp(math.lgamma((v+1)/2)-math.lgamma(v/2))/math.sqrt(v*math.pi)*(1+x*x/v)**(-(v+1)/2)
def tcdf(x, v, n=200000):
    # P(T <= x) for x <= 0: 0.5 - integral_x^0 pdf
    a, b = x, 0.0
    h=(b-a)/n
    s=tpdf(a,v)+tpdf(b,v)
    for i in range(1,n):
        s+= (4 if i%2 else 2)*tpdf(a+i*h,v)
    return 0.5 - s*h/3
def tq(p, v):
    lo, hi = -50.0, 0.0
    for _ in range(80):
        mid=(lo+hi)/2
        if tcdf(mid,v,20000) < 1-p: lo=mid
        else: hi=mid
    return -(lo+hi)/2
def mv(xs):
    m=sum(xs)/len(xs); return m, sum((x-m)**2 for x in xs)/(len(xs)-1)
# n = 3 interval
xs=[97.1,97.4,97.2]
m,v=mv(xs); s=math.sqrt(v)
t2=0.95/math.sqrt(2*0.975*0.025)  # closed form for nu=2: t_p = (2p-1)/sqrt(2p(1-p))
print("n3 mean %.10f std %.10f t %.10f tq %.10f hw %.10f" % (m,s,t2,tq(0.975,2),t2*s/math.sqrt(3)))
def welch(a,b):
    ma,va=mv(a); mb,vb=mv(b); na,nb=len(a),len(b)
    sa,sb=va/na,vb/nb; se=math.sqrt(sa+sb)
    t=(ma-mb)/se; df=(sa+sb)**2/(sa*sa/(na-1)+sb*sb/(nb-1))
    p=2*tcdf(-abs(t),df); q=tq(0.975,df)
    return ma-mb,t,df,p,ma-mb-q*se,ma-mb+q*se
a=[19.8,20.4,19.6,20.2]
b=[28.2,26.6,20.1,23.3,25.2,22.1,17.3,25.3]
print("welch diff %.10f t %.10f df %.10f p %.10f ci %.10f %.10f" % welch(a,b))
ta=[10.0,11.0,12.5]; tb=[20.0,22.0,23.0]
d,t,df,p,lo,hi=welch([math.log(x) for x in ta],[math.log(x) for x in tb])
print("ratio %.10f t %.10f df %.10f p %.10f ci %.10f %.10f" % (math.exp(d),t,df,p,math.exp(lo),math.exp(hi)))

# The synthetic runs of report_test.go: accuracies in percent, seconds.
m1a, m1t = [97.5, 97.7, 97.6], [10.0, 10.5, 11.0]
m2a, m2t = [97.4, 97.9, 97.3], [10.4, 11.6, 10.9]
m3a, m3t = [94.0, 94.2, 93.8], [10.2, 11.4, 9.9]
for name, (xa, xt) in {"model1": (m1a, m1t), "model2": (m2a, m2t), "model3": (m3a, m3t)}.items():
    for xs in (xa, xt):
        m, v = mv(xs); h = tq(0.975, 2)*math.sqrt(v)/math.sqrt(3)
        print("%s mean %.4f std %.4f ci [%.4f, %.4f]" % (name, m, math.sqrt(v), m-h, m+h))
for name, (xa, xt, ya, yt) in {"relu-sigmoid": (m1a, m1t, m3a, m3t), "relu-tanh": (m1a, m1t, m2a, m2t)}.items():
    d, t, df, p, lo, hi = welch(xa, ya)
    print("%s accuracy %+.4f ci [%.4f, %.4f] p %.6f" % (name, d, lo, hi, p))
    d, t, df, p, lo, hi = welch([math.log(x) for x in xt], [math.log(x) for x in yt])
    print("%s time ratio %.4f ci [%.4f, %.4f] p %.6f" % (name, math.exp(d), math.exp(lo), math.exp(hi), p))
